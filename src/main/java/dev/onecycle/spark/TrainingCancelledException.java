package dev.onecycle.spark;

/**
 * {@code fit} stopped because its Spark job group was cancelled ({@code sc.cancelJobGroup}: Zeppelin's Cancel,
 * the Spark UI's kill link, an application's own cancel) or the calling thread was interrupted. The network holds
 * the averaged state after {@link #iterationsDone()} cycle iterations; no checkpoint is half-written.
 */
public final class TrainingCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final long iterationsDone;

    TrainingCancelledException(String group, int epoch, long iterationsDone, Throwable cause) {
        super("training cancelled (job group " + group + ") in epoch " + epoch + "; the network holds the averaged "
                + "state after cycle iteration " + iterationsDone + " (continue from a checkpoint, or fit again)", cause);
        this.epoch = epoch;
        this.iterationsDone = iterationsDone;
    }

    /** The epoch (0-based) training was in. */
    public int epoch() {
        return epoch;
    }

    /** The cycle iterations the network's state has trained. */
    public long iterationsDone() {
        return iterationsDone;
    }
}
