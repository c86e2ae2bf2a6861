package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedStep;
import java.io.Serializable;
import java.util.List;

/**
 * What one worker did in one round: its state after the round (parameters then updater state, as in
 * {@link NetworkState}; null when it trained no minibatch), and the learning rate, momentum and loss of each
 * of its minibatches, and the time it spent training them ({@code computeNanos}).
 */
record RoundResult(int worker, int round, float[] state, List<AppliedStep> steps, int batches, double scoreSum,
        long computeNanos) implements Serializable {

    /** The same without the state (what the driver keeps once the state is averaged). */
    RoundResult withoutState() {
        return new RoundResult(worker, round, null, steps, batches, scoreSum, computeNanos);
    }
}
