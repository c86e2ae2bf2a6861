package dev.onecycle.spark;

import dev.onecycle.worker.FloatIO;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The examples of one input partition as two contiguous float32 arrays (row {@code i}'s features at
 * {@code [i * featureLength, (i + 1) * featureLength)}, its labels likewise): what the trainer caches and
 * spreads, with no Java object per example. {@code featureShape} is the shape of one example, without the
 * batch dimension; it is null for an empty block.
 */
final class ExampleBlock implements java.io.Externalizable {
    private static final long serialVersionUID = 1L;

    int count;
    long[] featureShape;
    int featureLength;
    int labelLength;
    float[] features;
    float[] labels;

    /** For deserialisation only. */
    public ExampleBlock() {
    }

    @Override
    public void writeExternal(java.io.ObjectOutput out) throws java.io.IOException {
        out.writeInt(count);
        out.writeObject(featureShape);
        out.writeInt(featureLength);
        out.writeInt(labelLength);
        FloatIO.write(out, features);
        FloatIO.write(out, labels);
    }

    @Override
    public void readExternal(java.io.ObjectInput in) throws java.io.IOException, ClassNotFoundException {
        count = in.readInt();
        featureShape = (long[]) in.readObject();
        featureLength = in.readInt();
        labelLength = in.readInt();
        features = FloatIO.read(in);
        labels = FloatIO.read(in);
    }

    ExampleBlock(int count, long[] featureShape, int featureLength, int labelLength, float[] features,
            float[] labels) {
        this.count = count;
        this.featureShape = featureShape;
        this.featureLength = featureLength;
        this.labelLength = labelLength;
        this.features = features;
        this.labels = labels;
    }

    static final ExampleBlock EMPTY = new ExampleBlock(0, null, 0, 0, new float[0], new float[0]);

    /** Packs DataSets (one example or a minibatch each; no masks) into one block. */
    static ExampleBlock pack(Iterator<DataSet> data) {
        List<float[]> fs = new ArrayList<>();
        List<float[]> ls = new ArrayList<>();
        long[] shape = null;
        int fLen = 0;
        int lLen = 0;
        long rows = 0;
        while (data.hasNext()) {
            DataSet ds = data.next();
            if (ds.getFeaturesMaskArray() != null || ds.getLabelsMaskArray() != null) {
                throw new IllegalArgumentException("DataSets with feature or label masks are not supported");
            }
            INDArray f = ds.getFeatures();
            INDArray l = ds.getLabels();
            if (f == null || l == null) {
                throw new IllegalArgumentException("every DataSet needs features and labels");
            }
            long n = f.size(0);
            if (l.size(0) != n) {
                throw new IllegalArgumentException("DataSet has " + n + " feature rows but " + l.size(0) + " label rows");
            }
            long[] s = Arrays.copyOfRange(f.shape(), 1, f.rank());
            int fl = Math.toIntExact(f.length() / Math.max(1, n));
            int ll = Math.toIntExact(l.length() / Math.max(1, n));
            if (shape == null) {
                shape = s;
                fLen = fl;
                lLen = ll;
            } else if (!Arrays.equals(shape, s) || ll != lLen) {
                throw new IllegalArgumentException("examples have mixed sizes: features " + Arrays.toString(shape)
                        + " and " + Arrays.toString(s) + ", " + lLen + " and " + ll + " labels");
            }
            if (n == 0) {
                continue;
            }
            fs.add(f.dup('c').data().asFloat());
            ls.add(l.reshape('c', n, ll).dup('c').data().asFloat());
            rows += n;
        }
        if (rows == 0) {
            return EMPTY;
        }
        int count = Math.toIntExact(rows);
        return new ExampleBlock(count, shape, fLen, lLen, concat(fs, (long) count * fLen), concat(ls, (long) count * lLen));
    }

    private static float[] concat(List<float[]> parts, long total) {
        float[] out = new float[Math.toIntExact(total)];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
