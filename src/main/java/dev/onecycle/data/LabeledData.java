package dev.onecycle.data;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Examples for classification held on the driver: {@link #size()} rows of {@link #features()} float features,
 * each with a 0-based class index. {@link LabeledImages} (IDX, pixels scaled to [0, 1]) and {@link LabeledArrays}
 * (LIBSVM, CSV, Parquet: values as read) implement it.
 */
public interface LabeledData extends java.io.Serializable {
    int size();

    int features();

    /** The class index of example {@code i} (0-based, {@code >= 0}). */
    int label(int i);

    /** Copies the features of example {@code i} to {@code dst[offset .. offset + features())}. */
    void copyFeatures(int i, float[] dst, int offset);

    /** Examples {@code [from, to)}. */
    LabeledData range(int from, int to);

    /** The first {@code n} examples (all if {@code n >= size()}). */
    default LabeledData head(int n) {
        return range(0, Math.min(n, size()));
    }

    /** The largest label, -1 when empty. */
    default int maxLabel() {
        int max = -1;
        for (int i = 0; i < size(); i++) {
            max = Math.max(max, label(i));
        }
        return max;
    }

    /** The features of example {@code i}. */
    default float[] featuresOf(int i) {
        float[] x = new float[features()];
        copyFeatures(i, x, 0);
        return x;
    }

    /** The class index of example {@code i}, checked to be one of {@code classes} classes. */
    default int classOf(int i, int classes) {
        int c = label(i);
        if (c >= classes) {
            throw new IllegalArgumentException("label " + c + " of example " + i + " is not a class in [0, " + classes
                    + ")");
        }
        return c;
    }

    /**
     * Minibatch DataSets of up to {@code batchSize} examples in order: features {@code [n, features()]}, labels
     * one-hot {@code [n, classes]}.
     */
    default List<DataSet> toDataSets(int batchSize, int classes) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        }
        List<DataSet> out = new ArrayList<>();
        int f = features();
        for (int from = 0; from < size(); from += batchSize) {
            int n = Math.min(batchSize, size() - from);
            float[] x = new float[n * f];
            float[] y = new float[n * classes];
            for (int i = 0; i < n; i++) {
                copyFeatures(from + i, x, i * f);
                y[i * classes + classOf(from + i, classes)] = 1f;
            }
            out.add(new DataSet(Nd4j.create(x, new long[] {n, f}, 'c'), Nd4j.create(y, new long[] {n, classes}, 'c')));
        }
        return out;
    }
}
