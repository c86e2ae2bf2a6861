package dev.onecycle.job;

import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import dev.onecycle.averaging.AveragingPath;

import dev.onecycle.schedule.OneCyclePolicy;

/**
 * Everything the training job needs, as the command line or a properties file gives it: values of the
 * settings declared in {@link Settings} and {@link JobSettings} (each read here as the job uses it).
 * {@code workers} 0 means Spark's default parallelism (or the checkpoint's when resuming); {@code startEpoch}
 * and {@code epochs} (resolved, > 0) give the slice; {@code maxExamples} 0 means all; {@code dataDir}/
 * {@code modelIn}/{@code checkpointDir} null mean the defaults; {@code keepCheckpoints} 0 turns checkpoints off;
 * {@code averaging} chooses where the workers' states are averaged ({@link AveragingPath}).
 */
public record TrainingJobSettings(SettingValues values, boolean lrMaxAuto) {

    /** Settings with the lrMax given (not {@code auto}). */
    public TrainingJobSettings(SettingValues values) {
        this(values, false);
    }

    /**
     * With {@code lrMaxAuto} ({@code --lr-max auto}) the policy's lrMax is a placeholder: the job takes the
     * checkpoint's when it resumes, else runs the range test {@link #lrRange} and takes its suggestion
     * ({@link #policyWithLrMax}).
     */
    public dev.onecycle.lrfind.LrRange lrRange() {
        return Settings.lrRange(values);
    }

    /** The policy with {@code lrMax} in place of the asked (or, with {@code lrMaxAuto}, placeholder) one. */
    public OneCyclePolicy policyWithLrMax(double lrMax) {
        return policy().toBuilder().setLrMax(lrMax).build();
    }

    /** These settings for a range test alone ({@code onecycle lr-find}): no checkpoints, lrMax found. */
    public TrainingJobSettings forRangeTest() {
        // a range test continues no cycle: a --model-in is only the weights it starts from
        return new TrainingJobSettings(values.with(Settings.KEEP_CHECKPOINTS, 0).with(Settings.NEW_CYCLE, true), true);
    }

    public OneCyclePolicy policy() {
        return Settings.policy(values);
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

    public int batchSizePerWorker() {
        return values.get(Settings.BATCH_SIZE);
    }

    public int averagingFrequency() {
        return values.get(Settings.AVERAGING_FREQUENCY);
    }

    public int workers() {
        return values.getOr(Settings.WORKERS, 0);
    }

    public long seed() {
        return values.get(Settings.SEED);
    }

    public String runDir() {
        return values.get(JobSettings.RUN_DIR);
    }

    public String modelIn() {
        return values.get(JobSettings.MODEL_IN);
    }

    public int maxExamples() {
        return values.getOr(JobSettings.MAX_EXAMPLES, 0);
    }

    public String dataDir() {
        return values.get(JobSettings.DATA);
    }

    /** {@code --network}: the built-in network of a new model. */
    public dev.onecycle.dl4j.BuiltInNetwork network() {
        return values.getOr(Settings.NETWORK, dev.onecycle.dl4j.BuiltInNetwork.MLP);
    }

    public int hiddenUnits() {
        return values.get(Settings.HIDDEN);
    }

    public boolean overwrite() {
        return values.get(JobSettings.OVERWRITE);
    }

    public String checkpointDir() {
        return values.get(Settings.CHECKPOINT_DIR);
    }

    public boolean resume() {
        return values.get(Settings.RESUME);
    }

    /** {@code --new-cycle}: train {@code --model-in}'s weights in a new cycle instead of continuing its own. */
    public boolean newCycle() {
        return values.get(Settings.NEW_CYCLE);
    }

    public int keepCheckpoints() {
        return values.get(Settings.KEEP_CHECKPOINTS);
    }

    public boolean acceptChangedSettings() {
        return values.get(Settings.ACCEPT_CHANGED_SETTINGS);
    }

    /** The format id given ({@code csv}), or null: from the file name. */
    public String dataFormat() {
        return values.isGiven(JobSettings.DATA_FORMAT) ? values.get(JobSettings.DATA_FORMAT).id() : null;
    }

    public String labelColumn() {
        return values.get(JobSettings.LABEL_COLUMN);
    }

    public String featuresColumn() {
        return values.get(JobSettings.FEATURES_COLUMN);
    }

    public int maxRestarts() {
        return values.get(JobSettings.MAX_RESTARTS);
    }

    public AveragingPath averaging() {
        return values.get(Settings.AVERAGING);
    }

    /** When mid-epoch checkpoints are written besides the epoch-end ones. */
    public CheckpointCadence checkpointCadence() {
        return CheckpointCadence.of(values);
    }

    /** The exclusive last epoch of the slice asked for. */
    public int endEpoch() {
        return startEpoch() + epochs();
    }

    /** {@code --checkpoint-dir}, default {@code <run-dir>/checkpoints}. */
    public String checkpointDirOrDefault() {
        return checkpointDir() != null ? checkpointDir() : java.nio.file.Paths.get(runDir(), "checkpoints").toString();
    }
}
