package dev.onecycle.data;

/**
 * How LIBSVM, CSV and Parquet data are read.
 *
 * @param labelColumn CSV and Parquet label column (default {@code label})
 * @param featuresColumn Parquet features column, a Spark ML {@code Vector} or an array of numbers (default
 *     {@code features})
 * @param testFraction share of a single data set held out as the test set when there are no separate
 *     {@code train.*} / {@code test.*} files (default 0.2)
 * @param splitSeed seed of that hold-out split (default 42). Deliberately not the training seed: a cycle resumed
 *     with another {@code --seed} must see the same test set
 * @param oneBasedLabels labels are classes 1..K (subtract 1); default false: labels are 0-based class indices and
 *     are never shifted silently
 * @param numFeatures LIBSVM only: the number of features; 0 (default) infers it as the largest feature index over
 *     the training and test files (a feature never non-zero at the end is then lost: give it when it matters)
 */
public record DataOptions(String labelColumn, String featuresColumn, double testFraction, long splitSeed,
        boolean oneBasedLabels, int numFeatures) {
    public static final String DEFAULT_LABEL = "label";
    public static final String DEFAULT_FEATURES = "features";
    public static final double DEFAULT_TEST_FRACTION = 0.2;
    public static final long DEFAULT_SPLIT_SEED = 42;

    public DataOptions {
        if (labelColumn == null || labelColumn.isBlank()) {
            throw new IllegalArgumentException("the label column name must not be empty");
        }
        if (featuresColumn == null || featuresColumn.isBlank()) {
            throw new IllegalArgumentException("the features column name must not be empty");
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("the test fraction must be in (0, 1), got " + testFraction);
        }
        if (numFeatures < 0) {
            throw new IllegalArgumentException("the number of features must be >= 0 (0: infer), got " + numFeatures);
        }
    }

    public static DataOptions defaults() {
        return new DataOptions(DEFAULT_LABEL, DEFAULT_FEATURES, DEFAULT_TEST_FRACTION, DEFAULT_SPLIT_SEED, false, 0);
    }

    public DataOptions withLabelColumn(String name) {
        return new DataOptions(name, featuresColumn, testFraction, splitSeed, oneBasedLabels, numFeatures);
    }

    public DataOptions withFeaturesColumn(String name) {
        return new DataOptions(labelColumn, name, testFraction, splitSeed, oneBasedLabels, numFeatures);
    }

    public DataOptions withTestFraction(double fraction) {
        return new DataOptions(labelColumn, featuresColumn, fraction, splitSeed, oneBasedLabels, numFeatures);
    }

    public DataOptions withSplitSeed(long seed) {
        return new DataOptions(labelColumn, featuresColumn, testFraction, seed, oneBasedLabels, numFeatures);
    }

    public DataOptions withOneBasedLabels(boolean oneBased) {
        return new DataOptions(labelColumn, featuresColumn, testFraction, splitSeed, oneBased, numFeatures);
    }

    public DataOptions withNumFeatures(int n) {
        return new DataOptions(labelColumn, featuresColumn, testFraction, splitSeed, oneBasedLabels, n);
    }

    /** Largest class index accepted: beyond this a "label" is surely not a class (regression targets, ids). */
    public static final int MAX_CLASS = 65_535;

    /**
     * The class index of a label value read from {@code where}.
     *
     * @throws DataFormatException for non-integer, negative or absurdly large labels
     */
    int classIndex(double value, String where) throws DataFormatException {
        if (Double.isNaN(value) || Double.isInfinite(value) || value != Math.rint(value)) {
            throw new DataFormatException(where + ": label " + value + " is not an integer class index "
                    + "(classification needs integer labels 0, 1, 2, ...)");
        }
        double c = oneBasedLabels ? value - 1 : value;
        if (c < 0) {
            throw new DataFormatException(where + ": label " + fmt(value) + " is "
                    + (oneBasedLabels ? "below 1 (labels were declared 1-based)"
                            : "negative; labels must be class indices 0, 1, 2, ... (map LIBSVM's binary -1/+1 to 0/1)"));
        }
        if (c > MAX_CLASS) {
            throw new DataFormatException(where + ": label " + fmt(value) + " is too large for a class index (at most "
                    + MAX_CLASS + "); is this regression data?");
        }
        return (int) c;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
