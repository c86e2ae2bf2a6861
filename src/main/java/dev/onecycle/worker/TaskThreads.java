package dev.onecycle.worker;

import org.apache.spark.TaskContext;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J threads per task = cores per task ({@code spark.task.cpus}, 1 by default), in local mode as on a
 * cluster. On a cluster Spark already sets {@code OMP_NUM_THREADS} of each executor to its task cores; in
 * local mode every task shares the driver's JVM, where ND4J would start as many threads as the machine has
 * cores in every concurrent task and oversubscribe them. Setting the same count everywhere also makes local
 * and cluster runs agree bitwise. ND4J's thread counts are per process: in local mode this also applies to
 * the driver's own ND4J work (evaluation) while training runs; {@link #restore} puts the driver's counts back
 * when {@code fit} ends.
 */
public final class TaskThreads {
    private static volatile int applied = -1;

    private TaskThreads() {
    }

    /** Applies the current task's core count to ND4J (and its BLAS); does nothing outside a task. */
    static void useTaskCpus() {
        TaskContext ctx = TaskContext.get();
        if (ctx == null) {
            return;
        }
        use(Math.max(1, ctx.cpus()));
    }

    /** The driver process's counts before a local-mode fit: {maxThreads, maxMasterThreads, blasThreads}. */
    public static int[] current() {
        int blas;
        try {
            blas = Nd4j.factory().blas().getMaxThreads();
        } catch (RuntimeException | UnsatisfiedLinkError noBlasControl) {
            blas = -1;
        }
        return new int[] {Nd4j.getEnvironment().maxThreads(), Nd4j.getEnvironment().maxMasterThreads(), blas};
    }

    /** Puts back counts taken by {@link #current} (local mode, when {@code fit} ends). */
    public static void restore(int[] counts) {
        synchronized (TaskThreads.class) {
            Nd4j.getEnvironment().setMaxThreads(counts[0]);
            Nd4j.getEnvironment().setMaxMasterThreads(counts[1]);
            if (counts[2] > 0) {
                try {
                    Nd4j.factory().blas().setMaxThreads(counts[2]);
                } catch (RuntimeException | UnsatisfiedLinkError noBlasControl) {
                    // nothing to restore
                }
            }
            applied = -1;
        }
    }

    static void use(int threads) {
        if (applied == threads) {
            return;
        }
        synchronized (TaskThreads.class) {
            if (applied == threads) {
                return;
            }
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            try {
                Nd4j.factory().blas().setMaxThreads(threads);
            } catch (RuntimeException | UnsatisfiedLinkError noBlasControl) {
                // a backend without BLAS thread control (CUDA): nothing to limit
            }
            applied = threads;
        }
    }
}
