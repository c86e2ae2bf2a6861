package dev.onecycle.worker;

import java.io.Serializable;

/**
 * What a worker trains in one averaging round: steps {@code firstStep <= s < endStep} of its shard in epoch
 * {@code epoch}, step {@code s} being cycle iteration {@code epoch * itersPerEpoch + s} (the network's
 * iteration counter is set from it, so its schedule never depends on what a worker counted), with its random
 * numbers seeded by (seed, epoch, round, worker). The trainer's {@code RoundState} gives it.
 */
public record RoundSteps(int epoch, int round, int firstStep, int endStep, int itersPerEpoch, long seed)
        implements Serializable {

    /** The cycle iteration of step {@code step} of this round's epoch. */
    public int iterationOf(int step) {
        return Math.toIntExact((long) epoch * itersPerEpoch + step);
    }

    /** The cycle iteration this round starts at. */
    public int firstIteration() {
        return iterationOf(firstStep);
    }
}
