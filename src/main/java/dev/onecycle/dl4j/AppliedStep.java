package dev.onecycle.dl4j;

import java.io.Serializable;

/**
 * The learning rate and momentum one minibatch step really used, read back from the network's updater, with
 * where it ran. {@code worker} and {@code round} are -1 on a single machine. {@code momentum} is NaN for an
 * updater without one (plain SGD).
 */
public record AppliedStep(long iteration, int epoch, int worker, int round, double lr, double momentum,
        double score) implements Serializable {

    /** The CSV header matching {@link #toCsv()}. */
    public static final String CSV_HEADER = "iteration,epoch,lr,momentum,worker,round,score";

    /** One CSV row, doubles in full precision ({@link Double#toString(double)} round-trips exactly). */
    public String toCsv() {
        return iteration + "," + epoch + "," + lr + "," + momentum + "," + worker + "," + round + "," + score;
    }
}
