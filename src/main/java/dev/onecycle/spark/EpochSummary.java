package dev.onecycle.spark;

import java.io.Serializable;

/**
 * One finished epoch: its number, the cycle iteration after it, the mean training loss over every minibatch
 * of every worker, the minibatches trained, and the wall time.
 */
public record EpochSummary(int epoch, long iterationsDone, double trainLoss, long minibatches, double seconds)
        implements Serializable {
}
