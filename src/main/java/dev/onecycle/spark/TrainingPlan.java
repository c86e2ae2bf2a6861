package dev.onecycle.spark;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.Serializable;

/**
 * What a training run was fixed to before its first step: the policy, the slice (with itersPerEpoch counted
 * from the data), and how the data is spread.
 */
public record TrainingPlan(OneCyclePolicy policy, CycleSlice slice, long examples, int workers,
        int batchSizePerWorker, int averagingFrequency, long seed) implements Serializable {

    /** Averaging rounds per epoch: {@code ceil(itersPerEpoch / averagingFrequency)}. */
    public int roundsPerEpoch() {
        return (slice.itersPerEpoch() + averagingFrequency - 1) / averagingFrequency;
    }
}
