package dev.onecycle.spark;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.worker.RoundSteps;
import java.io.Serializable;

/**
 * The partial-1cycle schedule state the driver broadcasts each averaging round: the policy, the slice, and the
 * position of the round in the cycle. Step {@code s} of the epoch (for {@code firstStep <= s < endStep}) is
 * cycle iteration {@code epoch * itersPerEpoch + s}; each worker takes its learning rate and momentum for that
 * step from the policy, so the position never depends on what a worker counted.
 */
public record RoundState(OneCyclePolicy policy, CycleSlice slice, int epoch, int round, int firstStep, int endStep,
        long seed) implements Serializable {

    /** The cycle iteration of step {@code step} of this round's epoch. */
    public int iterationOf(int step) {
        return Math.toIntExact((long) epoch * slice.itersPerEpoch() + step);
    }

    /** What the workers train of this round ({@link RoundSteps}: its position, without the policy). */
    public RoundSteps steps() {
        return new RoundSteps(epoch, round, firstStep, endStep, slice.itersPerEpoch(), seed);
    }

    /** The cycle iteration this round starts at. */
    public int firstIteration() {
        return iterationOf(firstStep);
    }
}
