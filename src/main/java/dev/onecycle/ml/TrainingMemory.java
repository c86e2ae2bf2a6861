package dev.onecycle.ml;

import java.util.Locale;
import org.apache.spark.SparkContext;

/**
 * A rough bound on what training holds in memory, checked before anything is densified or allocated: the
 * rows as dense float32 (the trainer packs every worker's rows into one block, features and one-hot labels)
 * and the network's parameters with updater state (one copy per worker, plus the driver's and the averaged
 * one). A width the memory cannot take is refused naming the column, the width and the bytes it would need,
 * instead of an {@code OutOfMemoryError} in a task that stops the SparkContext.
 *
 * <p>In local mode the workers run in the driver's JVM: the whole need is held against half its heap. On a
 * cluster one worker's share is held against half of {@code spark.executor.memory}, and the driver's copies
 * against half the driver's heap.
 */
final class TrainingMemory {
    private TrainingMemory() {
    }

    /** Float32 values of parameters and updater state per network copy (Nesterov momentum: one per parameter). */
    private static final int VALUES_PER_PARAMETER = 2;

    /** The parameters of the built-in network ({@code FashionMlp}: features -> hidden -> classes). */
    static long mlpParameters(long features, long hidden, long classes) {
        return features * hidden + hidden + hidden * classes + classes;
    }

    static void check(String featuresCol, long rows, int features, int classes, long parameters, int workers,
            SparkContext sc) {
        long driverHeap = Runtime.getRuntime().maxMemory();
        long rowBytes = 4L * ((long) features + classes);
        long networkBytes = 4L * VALUES_PER_PARAMETER * parameters;
        if (sc.isLocal()) {
            long data = rows * rowBytes;
            long copies = workers + 2L;
            long need = data + copies * networkBytes;
            if (need > driverHeap / 2) {
                throw refused(featuresCol, features, rows + " rows densified to float32: " + gb(data) + "; a network of "
                        + String.format(Locale.ROOT, "%,d", parameters) + " parameters with updater state, " + copies
                        + " copies: " + gb(copies * networkBytes), need, "more than half of this driver's "
                        + gb(driverHeap) + " heap (local mode trains in the driver's JVM)");
            }
            return;
        }
        long executor = sc.getConf().getSizeAsBytes("spark.executor.memory", "1g");
        long share = (rows + workers - 1) / workers * rowBytes;
        long need = share + networkBytes * 2;
        if (need > executor / 2) {
            throw refused(featuresCol, features, "one worker's " + (rows + workers - 1) / workers
                    + " rows densified to float32: " + gb(share) + "; its network of " + String.format(Locale.ROOT,
                    "%,d", parameters) + " parameters with updater state, 2 copies: " + gb(2 * networkBytes), need,
                    "more than half of spark.executor.memory " + gb(executor));
        }
        if (3 * networkBytes > driverHeap / 2) {
            throw refused(featuresCol, features, "the driver's 3 copies of a network of " + String.format(Locale.ROOT,
                    "%,d", parameters) + " parameters with updater state", 3 * networkBytes, "more than half of the "
                    + "driver's " + gb(driverHeap) + " heap");
        }
    }

    private static InvalidColumnException refused(String featuresCol, int features, String what, long need,
            String limit) {
        return new InvalidColumnException("featuresCol", featuresCol, String.format(Locale.ROOT, "%,d features per "
                + "row need ~%s to train (%s), %s; reduce the features (e.g. FeatureHasher's numFeatures, PCA, "
                + "ChiSqSelector), a smaller hidden, or give Spark more memory", features, gb(need), what, limit));
    }

    private static String gb(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
