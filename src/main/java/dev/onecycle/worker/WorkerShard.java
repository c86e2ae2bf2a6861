package dev.onecycle.worker;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import org.nd4j.linalg.dataset.DataSet;

/**
 * What one worker trains in one epoch: its examples in the epoch's seeded order as two contiguous float32
 * arrays, cut into consecutive minibatches of {@code batchSize} (the last may be smaller). A minibatch is
 * built when it is trained (O(batch) working space); the shard itself is cached on the executor for the
 * whole epoch and read in place every round.
 */
public final class WorkerShard implements Serializable {
    private static final long serialVersionUID = 2L;

    private final int worker;
    private final int count;
    private final long[] featureShape;
    private final int featureLength;
    private final int labelLength;
    private final float[] features;
    private final float[] labels;
    private final int batchSize;

    WorkerShard(int worker, int count, long[] featureShape, int featureLength, int labelLength, float[] features,
            float[] labels, int batchSize) {
        this.worker = worker;
        this.count = count;
        this.featureShape = featureShape;
        this.featureLength = featureLength;
        this.labelLength = labelLength;
        this.features = features;
        this.labels = labels;
        this.batchSize = batchSize;
    }

    /**
     * Worker {@code worker}'s shard of {@code count} examples already in slot order: {@code features} holds
     * {@code count} rows of {@code featureLength} values (one example's shape is {@code featureShape}), {@code
     * labels} {@code count} rows of {@code labelLength}.
     */
    public static WorkerShard ofRows(int worker, int count, long[] featureShape, int featureLength, int labelLength,
            float[] features, float[] labels, int batchSize) {
        if (count == 0) {
            return new WorkerShard(worker, 0, null, 0, 0, new float[0], new float[0], batchSize);
        }
        if (features.length != (long) count * featureLength || labels.length != (long) count * labelLength) {
            throw new IllegalArgumentException("a shard of " + count + " examples needs " + (long) count * featureLength
                    + " feature and " + (long) count * labelLength + " label values, got " + features.length + " and "
                    + labels.length);
        }
        return new WorkerShard(worker, count, featureShape, featureLength, labelLength, features, labels, batchSize);
    }

    /** Places every piece's rows at their slots; the slots of all pieces are exactly {@code 0..n-1}. */
    public static WorkerShard assemble(int worker, Iterator<ShardPiece> pieces, int batchSize) {
        java.util.List<ShardPiece> all = new java.util.ArrayList<>();
        int n = 0;
        while (pieces.hasNext()) {
            ShardPiece p = pieces.next();
            all.add(p);
            n += p.slots.length;
        }
        if (n == 0) {
            return ofRows(worker, 0, null, 0, 0, null, null, batchSize);
        }
        ShardPiece first = all.get(0);
        int fLen = first.featureLength;
        int lLen = first.labelLength;
        float[] f = new float[Math.toIntExact((long) n * fLen)];
        float[] l = new float[Math.toIntExact((long) n * lLen)];
        boolean[] filled = new boolean[n];
        for (ShardPiece p : all) {
            if (p.featureLength != fLen || p.labelLength != lLen || !Arrays.equals(p.featureShape, first.featureShape)) {
                throw new IllegalArgumentException("examples have mixed sizes: features "
                        + Arrays.toString(first.featureShape) + " and " + Arrays.toString(p.featureShape) + ", "
                        + lLen + " and " + p.labelLength + " labels");
            }
            for (int i = 0; i < p.slots.length; i++) {
                int s = p.slots[i];
                if (s < 0 || s >= n || filled[s]) {
                    throw new IllegalStateException("worker " + worker + ": slot " + s + " of " + n + " given twice or out of range");
                }
                filled[s] = true;
                System.arraycopy(p.features, i * fLen, f, s * fLen, fLen);
                System.arraycopy(p.labels, i * lLen, l, s * lLen, lLen);
            }
        }
        return new WorkerShard(worker, n, first.featureShape, fLen, lLen, f, l, batchSize);
    }

    public int worker() {
        return worker;
    }

    /** Examples this worker trains in the epoch. */
    public int size() {
        return count;
    }

    public int numBatches() {
        return (count + batchSize - 1) / batchSize;
    }

    /** Minibatch {@code step} of the epoch. */
    public DataSet batch(int step) {
        int from = step * batchSize;
        int n = Math.min(count, from + batchSize) - from;
        if (n <= 0) {
            throw new IndexOutOfBoundsException("step " + step + " of a shard of " + numBatches() + " minibatches");
        }
        long[] shape = new long[featureShape.length + 1];
        shape[0] = n;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        return new DataSet(FloatIO.array(features, from * featureLength, shape),
                FloatIO.array(labels, from * labelLength, new long[] {n, labelLength}));
    }
}
