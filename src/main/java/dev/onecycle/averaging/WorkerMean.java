package dev.onecycle.averaging;

import java.util.List;

/**
 * The mean of the workers' states in one fixed summation order, wherever it is computed (driver, executors
 * of a tree aggregation, or every worker of a barrier stage): float addition is not associative, and a fixed
 * order makes runs bitwise reproducible.
 *
 * <p>The order: workers are taken in groups of {@code fanIn} consecutive workers; each group is summed from
 * its first worker to its last, then the group sums are added in group order, and the total is divided by the
 * number of workers that trained. {@code fanIn >= workers} is the plain left-to-right sum. Workers that trained
 * no minibatch in the round (a shorter shard at the end of an epoch) are left out.
 */
final class WorkerMean {
    private WorkerMean() {
    }

    /** The group size for {@code workers} workers summed in a tree of {@code depth} levels (MLlib's aggregationDepth). */
    static int fanIn(int workers, int depth) {
        if (depth <= 1 || workers <= 2) {
            return Math.max(1, workers);
        }
        int f = (int) Math.ceil(Math.pow(workers, 1.0 / depth) - 1e-9);
        return Math.max(2, f);
    }

    /** Sums {@code states} (in worker order; null = did not train) within one group, left to right; null if none. */
    static float[] sum(List<float[]> states) {
        float[] acc = null;
        for (float[] s : states) {
            if (s == null) {
                continue;
            }
            if (acc == null) {
                acc = s.clone();
            } else {
                if (s.length != acc.length) {
                    throw new IllegalStateException("workers returned states of " + acc.length + " and " + s.length + " values");
                }
                for (int i = 0; i < acc.length; i++) {
                    acc[i] += s[i];
                }
            }
        }
        return acc;
    }

    /** The mean in the order described above; null when no worker trained. */
    static float[] mean(List<float[]> inWorkerOrder, int fanIn) {
        int n = 0;
        for (float[] s : inWorkerOrder) {
            if (s != null) {
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        if (n == 2 && fanIn >= inWorkerOrder.size()) {
            return meanOfTwo(inWorkerOrder);
        }
        java.util.ArrayList<float[]> groupSums = new java.util.ArrayList<>();
        for (int g = 0; g < inWorkerOrder.size(); g += fanIn) {
            groupSums.add(sum(inWorkerOrder.subList(g, Math.min(inWorkerOrder.size(), g + fanIn))));
        }
        return divide(sum(groupSums), n);
    }

    /**
     * Two trained workers in one group (the usual local[2] and two-executor case): {@code (a + b) / 2} in one pass
     * instead of three (copy, add, divide): the same float operations in the same order, so the same bits, with a
     * third of the memory traffic of a round's mean on the driver.
     */
    private static float[] meanOfTwo(List<float[]> inWorkerOrder) {
        float[] a = null;
        float[] b = null;
        for (float[] s : inWorkerOrder) {
            if (s != null) {
                if (a == null) {
                    a = s;
                } else {
                    b = s;
                }
            }
        }
        if (a.length != b.length) {
            throw new IllegalStateException("workers returned states of " + a.length + " and " + b.length + " values");
        }
        float[] out = new float[a.length];
        float d = 2;
        for (int i = 0; i < out.length; i++) {
            out[i] = (a[i] + b[i]) / d;
        }
        return out;
    }

    /** The total of the group sums (in group order) divided by {@code trained}. */
    static float[] divide(float[] total, int trained) {
        float d = trained;
        for (int i = 0; i < total.length; i++) {
            total[i] /= d;
        }
        return total;
    }
}
