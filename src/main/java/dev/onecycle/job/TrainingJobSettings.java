package dev.onecycle.job;

import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.dl4j.BuiltInNetwork;
import dev.onecycle.run.RunSettings;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.nio.file.Paths;

/**
 * Everything {@code onecycle train} needs, as the command line or a properties file gives it: the library's
 * settings ({@link #run()}: what the run engine reads, the estimator's Params too) and the application's own
 * ({@link JobSettings}: the run folder, the data, the model to start from, the crash-loop limit).
 * {@code maxExamples} 0 means all; {@code dataDir}/{@code modelIn} null mean the defaults.
 */
public record TrainingJobSettings(SettingValues values, boolean lrMaxAuto) {

    /** Settings with the lrMax given (not {@code auto}). */
    public TrainingJobSettings(SettingValues values) {
        this(values, false);
    }

    /**
     * The settings given, with the application's defaults filled in: the run folder {@code runs/<now>} and the
     * checkpoint folder {@code <run-dir>/checkpoints}.
     */
    public static TrainingJobSettings withDefaults(SettingValues given, boolean lrMaxAuto, String now) {
        SettingValues v = given;
        if (!v.isGiven(JobSettings.RUN_DIR)) {
            v = v.with(JobSettings.RUN_DIR, "runs/" + now);
        }
        if (!v.isGiven(Settings.CHECKPOINT_DIR)) {
            v = v.with(Settings.CHECKPOINT_DIR, Paths.get(v.get(JobSettings.RUN_DIR), "checkpoints").toString());
        }
        return new TrainingJobSettings(v, lrMaxAuto);
    }

    /** The library's settings of this run, what the run engine reads. */
    public RunSettings run() {
        return new RunSettings(values, lrMaxAuto);
    }

    /** These settings for a range test alone ({@code onecycle lr-find}): no checkpoints, lrMax found. */
    public TrainingJobSettings forRangeTest() {
        // a range test continues no cycle: a --model-in is only the weights it starts from
        return new TrainingJobSettings(values.with(Settings.KEEP_CHECKPOINTS, 0).with(Settings.NEW_CYCLE, true), true);
    }

    public OneCyclePolicy policy() {
        return run().policy();
    }

    public int totEpochs() {
        return run().totEpochs();
    }

    public int batchSizePerWorker() {
        return run().batchSizePerWorker();
    }

    public long seed() {
        return run().seed();
    }

    public boolean resume() {
        return run().resume();
    }

    public int workers() {
        return run().workers();
    }

    /** When mid-epoch checkpoints are written besides the epoch-end ones. */
    public CheckpointCadence checkpointCadence() {
        return run().checkpointCadence();
    }

    public String runDir() {
        return values.get(JobSettings.RUN_DIR);
    }

    public boolean overwrite() {
        return values.get(JobSettings.OVERWRITE);
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
    public BuiltInNetwork network() {
        return values.getOr(Settings.NETWORK, BuiltInNetwork.MLP);
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
}
