package dev.onecycle.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training example as plain arrays: what the trainer shuffles and spreads over workers (no ND4J objects
 * in Spark's shuffle or cache). {@code featureShape} is the shape of one example, without the batch dimension.
 */
public record Example(float[] features, long[] featureShape, float[] labels) implements Serializable {

    /** Splits a DataSet (one example or a minibatch) into its examples; masks are not supported. */
    public static List<Example> split(DataSet ds) {
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
        long[] shape = Arrays.copyOfRange(f.shape(), 1, f.rank());
        List<Example> out = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            out.add(new Example(f.slice(i).dup().data().asFloat(), shape, l.getRow(i).dup().data().asFloat()));
        }
        return out;
    }

    /** Stacks {@code examples[from, to)} into one minibatch DataSet. */
    public static DataSet batch(List<Example> examples, int from, int to) {
        int n = to - from;
        Example first = examples.get(from);
        int fLen = first.features.length;
        int lLen = first.labels.length;
        float[] f = new float[n * fLen];
        float[] l = new float[n * lLen];
        for (int i = 0; i < n; i++) {
            Example e = examples.get(from + i);
            if (e.features.length != fLen || e.labels.length != lLen) {
                throw new IllegalArgumentException("examples have mixed sizes: " + fLen + " and "
                        + e.features.length + " features, " + lLen + " and " + e.labels.length + " labels");
            }
            System.arraycopy(e.features, 0, f, i * fLen, fLen);
            System.arraycopy(e.labels, 0, l, i * lLen, lLen);
        }
        long[] fShape = new long[first.featureShape.length + 1];
        fShape[0] = n;
        System.arraycopy(first.featureShape, 0, fShape, 1, first.featureShape.length);
        return new DataSet(Nd4j.create(f, fShape, 'c'), Nd4j.create(l, new long[] {n, lLen}, 'c'));
    }
}
