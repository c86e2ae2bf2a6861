package dev.onecycle.spark;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.io.Serializable;

/**
 * What a training run was fixed to before its first step: the policy, the slice (with itersPerEpoch counted
 * from the data), how the data is spread, and the other settings its checkpoints record
 * ({@link OneCycleTrainer.Builder#optRecordedSettings}).
 */
public record TrainingPlan(OneCyclePolicy policy, CycleSlice slice, long examples, int workers,
        int batchSizePerWorker, int averagingFrequency, long seed, SettingValues otherSettings)
        implements Serializable {

    public TrainingPlan {
        otherSettings = otherSettings == null ? SettingValues.empty() : otherSettings;
    }

    /** A plan with no settings besides the trainer's own. */
    public TrainingPlan(OneCyclePolicy policy, CycleSlice slice, long examples, int workers, int batchSizePerWorker,
            int averagingFrequency, long seed) {
        this(policy, slice, examples, workers, batchSizePerWorker, averagingFrequency, seed, SettingValues.empty());
    }

    /** Averaging rounds per epoch: {@code ceil(itersPerEpoch / averagingFrequency)}. */
    public int roundsPerEpoch() {
        return (slice.itersPerEpoch() + averagingFrequency - 1) / averagingFrequency;
    }

    /**
     * The run's settings as its checkpoints record them: the trainer's own parameters ({@link Settings#trained})
     * over the other settings.
     */
    public SettingValues settings() {
        return Settings.trained(policy, slice.totEpochs(), workers, batchSizePerWorker, averagingFrequency, seed,
                otherSettings);
    }
}
