package dev.onecycle.dl4j;

import java.io.Serializable;

/**
 * The learning rate and momentum one minibatch step really used, read back from the network's updater, with
 * where it ran. {@code worker} and {@code round} are -1 on a single machine. {@code momentum} is NaN for an
 * updater without one (plain SGD). {@code device} is where ND4J computed the step: {@code cpu}, {@code gpu:N},
 * {@code gpu:N(unassigned)} (CUDA backend, no GPU assigned), or
 * {@code cpu(assigned-gpu:N)} when Spark assigned GPU N but ND4J ran its CPU backend (see
 * {@link dev.onecycle.gpu.DeviceBinding}).
 */
public record AppliedStep(long iteration, int epoch, int worker, int round, double lr, double momentum,
        double score, String device) implements Serializable {

    /** The CSV header matching {@link #toCsv()}. */
    public static final String CSV_HEADER = "iteration,epoch,lr,momentum,worker,round,score,device";

    /** The header of files written before the {@code device} column existed (their rows have 7 columns). */
    public static final String CSV_HEADER_WITHOUT_DEVICE = "iteration,epoch,lr,momentum,worker,round,score";

    /** What a row of a file without the {@code device} column gets when a resumed run keeps it. */
    public static final String DEVICE_UNRECORDED = "unrecorded";

    /** One CSV row, doubles in full precision ({@link Double#toString(double)} round-trips exactly). */
    public String toCsv() {
        return iteration + "," + epoch + "," + lr + "," + momentum + "," + worker + "," + round + "," + score + "," + device;
    }
}
