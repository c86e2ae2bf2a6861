package dev.onecycle.data;

import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Images with class labels, as read from an IDX pair: {@code pixels} holds {@code size()} images of
 * {@code rows * cols} unsigned bytes, {@code labels} one class index per image.
 */
public final class LabeledImages implements LabeledData {
    private final byte[] pixels;
    private final byte[] labels;
    private final int rows;
    private final int cols;
    private final int classes;

    LabeledImages(byte[] pixels, byte[] labels, int rows, int cols, int classes) {
        this.pixels = pixels;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
        this.classes = classes;
    }

    /** Pairs an images file ({@code n x rows x cols}) with a labels file ({@code n}); sizes must agree. */
    public static LabeledImages of(IdxFile images, String imagesName, IdxFile labels, String labelsName,
            int classes) throws DataFormatException {
        int[] d = images.dims();
        if (labels.items() != images.items()) {
            throw new DataFormatException(labelsName + " has " + labels.items() + " labels but " + imagesName
                    + " has " + images.items() + " images");
        }
        byte[] l = labels.data();
        for (int i = 0; i < l.length; i++) {
            int c = l[i] & 0xff;
            if (c >= classes) {
                throw new DataFormatException(labelsName + ": label " + c + " of item " + i + " is not a class in [0, "
                        + classes + ")");
            }
        }
        return new LabeledImages(images.data(), l, d[1], d[2], classes);
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int features() {
        return rows * cols;
    }

    @Override
    public int label(int i) {
        return labels[i] & 0xff;
    }

    /** The pixels of image {@code i} scaled to [0, 1], as {@link #toDataSets(int)} gives them. */
    @Override
    public void copyFeatures(int i, float[] dst, int offset) {
        int f = features();
        for (int j = 0; j < f; j++) {
            dst[offset + j] = (pixels[i * f + j] & 0xff) / 255f;
        }
    }

    public int classes() {
        return classes;
    }

    /** The first {@code n} images (all if {@code n >= size()}). */
    @Override
    public LabeledImages head(int n) {
        return range(0, Math.min(n, size()));
    }

    /** Images {@code [from, to)}. */
    @Override
    public LabeledImages range(int from, int to) {
        int f = features();
        byte[] p = java.util.Arrays.copyOfRange(pixels, from * f, to * f);
        byte[] l = java.util.Arrays.copyOfRange(labels, from, to);
        return new LabeledImages(p, l, rows, cols, classes);
    }

    /**
     * Minibatch DataSets of up to {@code batchSize} images in file order: features scaled to [0, 1] as
     * {@code [n, rows * cols]}, labels one-hot {@code [n, classes]}.
     */
    public List<DataSet> toDataSets(int batchSize) {
        return toDataSets(batchSize, classes);
    }
}
