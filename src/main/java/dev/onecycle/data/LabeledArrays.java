package dev.onecycle.data;

import java.util.Arrays;

/** {@link LabeledData} in plain arrays: {@code x} row-major {@code [size, features]}, {@code y} class indices. */
public final class LabeledArrays implements LabeledData {
    private final float[] x;
    private final int[] y;
    private final int features;

    public LabeledArrays(float[] x, int[] y, int features) {
        if (features <= 0 || (long) y.length * features != x.length) {
            throw new IllegalArgumentException(x.length + " feature values do not make " + y.length
                    + " examples of " + features + " features");
        }
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0) {
                throw new IllegalArgumentException("label " + y[i] + " of example " + i + " is negative");
            }
        }
        this.x = x;
        this.y = y;
        this.features = features;
    }

    /** The examples of {@code data} at {@code indices}, in that order (values copied). */
    public static LabeledArrays select(LabeledData data, int[] indices) {
        int f = data.features();
        float[] x = new float[indices.length * f];
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            data.copyFeatures(indices[k], x, k * f);
            y[k] = data.label(indices[k]);
        }
        return new LabeledArrays(x, y, f);
    }

    @Override
    public int size() {
        return y.length;
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public int label(int i) {
        return y[i];
    }

    @Override
    public void copyFeatures(int i, float[] dst, int offset) {
        System.arraycopy(x, i * features, dst, offset, features);
    }

    @Override
    public LabeledArrays range(int from, int to) {
        return new LabeledArrays(Arrays.copyOfRange(x, from * features, to * features), Arrays.copyOfRange(y, from, to),
                features);
    }
}
