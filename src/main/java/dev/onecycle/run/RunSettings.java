package dev.onecycle.run;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;

/**
 * The library settings of one run ({@link Settings}), as both front ends give them: {@code onecycle train}'s flags
 * and {@code OneCycleClassifier}'s Params. A setting not given reads as its declared default. {@code lrMaxAuto}
 * ({@code --lr-max auto}): the policy's lrMax is a placeholder, replaced by the checkpoint's when resuming, else
 * by the range test's suggestion ({@link #policyWithLrMax}).
 */
public record RunSettings(SettingValues values, boolean lrMaxAuto) {

    /** Settings with the lrMax given (not {@code auto}). */
    public RunSettings(SettingValues values) {
        this(values, false);
    }

    public OneCyclePolicy policy() {
        return Settings.policy(values);
    }

    /** The policy with {@code lrMax} in place of the asked (or, with {@code lrMaxAuto}, placeholder) one. */
    public OneCyclePolicy policyWithLrMax(double lrMax) {
        return policy().toBuilder().setLrMax(lrMax).build();
    }

    /** The policy asked for, or null with {@code lrMaxAuto} (the checkpoint or the range test gives its lrMax). */
    public OneCyclePolicy askedPolicy() {
        return lrMaxAuto ? null : policy();
    }

    /** The range test's sweep (lr-find, {@code lrMax auto}). */
    public LrRange lrRange() {
        return Settings.lrRange(values);
    }

    public int totEpochs() {
        return values.get(Settings.TOT_EPOCHS);
    }

    public int startEpoch() {
        return values.get(Settings.START_EPOCH);
    }

    /** The epochs asked for: the value given, else the rest of the cycle. */
    public int epochs() {
        return Settings.epochs(values);
    }

    /** The exclusive last epoch of the slice asked for. */
    public int endEpoch() {
        return startEpoch() + epochs();
    }

    public int batchSizePerWorker() {
        return values.get(Settings.BATCH_SIZE);
    }

    public int averagingFrequency() {
        return values.get(Settings.AVERAGING_FREQUENCY);
    }

    public AveragingPath averaging() {
        return values.get(Settings.AVERAGING);
    }

    /** The workers given, or 0: Spark's default parallelism (or the checkpoint's when resuming). */
    public int workers() {
        return values.getOr(Settings.WORKERS, 0);
    }

    public long seed() {
        return values.get(Settings.SEED);
    }

    public int hiddenUnits() {
        return values.get(Settings.HIDDEN);
    }

    /** The checkpoint folder, or null (the estimator then writes none; the CLI has given its default). */
    public String checkpointDir() {
        return values.get(Settings.CHECKPOINT_DIR);
    }

    public int keepCheckpoints() {
        return values.get(Settings.KEEP_CHECKPOINTS);
    }

    /** True when this run writes checkpoints: a folder and {@code keepCheckpoints > 0}. */
    public boolean checkpoints() {
        return checkpointDir() != null && keepCheckpoints() > 0;
    }

    /** When mid-epoch checkpoints are written besides the epoch-end ones. */
    public CheckpointCadence checkpointCadence() {
        return CheckpointCadence.of(values);
    }

    public boolean resume() {
        return values.get(Settings.RESUME);
    }

    public boolean acceptChangedSettings() {
        return values.get(Settings.ACCEPT_CHANGED_SETTINGS);
    }

    /** Train a given model's weights in a new cycle instead of continuing its own. */
    public boolean newCycle() {
        return values.get(Settings.NEW_CYCLE);
    }
}
