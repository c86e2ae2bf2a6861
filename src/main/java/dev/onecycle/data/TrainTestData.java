package dev.onecycle.data;

import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A labeled classification data set split into a training and a test set, as every source gives it (an IDX
 * folder, the shipped sample, LIBSVM, CSV, Parquet). Both sets have the same number of features;
 * {@link #classes()} is the largest label over <em>both</em> sets plus one, so the model's output layer fits
 * either.
 */
public final class TrainTestData {
    private final String source;
    private final DataFormat format;
    private final LabeledData train;
    private final LabeledData test;
    private final int classes;

    private TrainTestData(String source, DataFormat format, LabeledData train, LabeledData test, int classes) {
        this.source = source;
        this.format = format;
        this.train = train;
        this.test = test;
        this.classes = classes;
    }

    /**
     * Checks and pairs a training and a test set: both non-empty, the same number of features, at least two
     * classes over both.
     */
    public static TrainTestData of(String source, DataFormat format, LabeledData train, LabeledData test)
            throws DataFormatException {
        if (train.size() == 0) {
            throw new DataFormatException(source + ": the training set has no examples");
        }
        if (test.size() == 0) {
            throw new DataFormatException(source + ": the test set has no examples");
        }
        if (train.features() != test.features()) {
            throw new DataFormatException(source + ": training examples have " + train.features()
                    + " features but test examples have " + test.features());
        }
        int maxLabel = Math.max(train.maxLabel(), test.maxLabel());
        if (maxLabel < 1) {
            throw new DataFormatException(source + ": every label is " + maxLabel
                    + "; classification needs at least two classes");
        }
        return new TrainTestData(source, format, train, test, maxLabel + 1);
    }

    /** The Fashion-MNIST / MNIST data the job used so far (an IDX folder or the shipped sample). */
    public static TrainTestData of(FashionMnist data) throws DataFormatException {
        return of(data.source(), DataFormat.IDX, data.train(), data.test());
    }

    /** The same data with only the first {@code n} training examples ({@code --max-examples}); classes kept. */
    public TrainTestData headTrain(int n) {
        return new TrainTestData(source, format, train.head(n), test, classes);
    }

    /** Where the data came from, for the log and metrics. */
    public String source() {
        return source;
    }

    public DataFormat format() {
        return format;
    }

    public LabeledData train() {
        return train;
    }

    public LabeledData test() {
        return test;
    }

    public int features() {
        return train.features();
    }

    public int classes() {
        return classes;
    }

    public int trainSize() {
        return train.size();
    }

    public int testSize() {
        return test.size();
    }

    /** Training minibatches in order, labels one-hot over {@link #classes()}. */
    public List<DataSet> trainDataSets(int batchSize) {
        return train.toDataSets(batchSize, classes);
    }

    /** Test minibatches in order, labels one-hot over {@link #classes()}. */
    public List<DataSet> testDataSets(int batchSize) {
        return test.toDataSets(batchSize, classes);
    }

    @Override
    public String toString() {
        return source + " (" + format.id() + ": " + trainSize() + " training / " + testSize() + " test examples, "
                + features() + " features, " + classes + " classes)";
    }
}
