package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedStep;
import java.io.Serializable;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one worker sends back after a round: its parameters and updater state, and the learning rate and
 * momentum each of its minibatches really used.
 */
public record RoundResult(int worker, INDArray params, INDArray updaterState, List<AppliedStep> steps,
        int batches, double scoreSum) implements Serializable {
}
