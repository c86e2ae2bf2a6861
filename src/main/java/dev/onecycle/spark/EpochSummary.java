package dev.onecycle.spark;

import java.io.Serializable;

/**
 * One finished epoch: its number, the cycle iteration after it, the mean training loss over every minibatch
 * of every worker, the minibatches trained, and the wall time. {@code spreadSeconds} is the part spent spreading
 * the epoch's data over the workers; {@code computeSeconds} the time the slowest
 * worker of each round spent training, summed over the rounds (the rest of {@code seconds} is the cost of the
 * distribution: jobs, averaging, the driver's own work); {@code rounds} and {@code jobs}
 * count the averaging rounds and the Spark jobs that trained them.
 */
public record EpochSummary(int epoch, long iterationsDone, double trainLoss, long minibatches, double seconds,
        double spreadSeconds, double computeSeconds, int rounds, int jobs) implements Serializable {

    public EpochSummary(int epoch, long iterationsDone, double trainLoss, long minibatches, double seconds) {
        this(epoch, iterationsDone, trainLoss, minibatches, seconds, Double.NaN, Double.NaN, 0, 0);
    }
}
