package dev.onecycle.job;

import dev.onecycle.spark.AveragingPath;

import dev.onecycle.lrfind.LrRange;
import dev.onecycle.schedule.OneCyclePolicy;

/**
 * Everything the training job needs, as the command line or a properties file gives it. {@code workers} 0
 * means Spark's default parallelism (or the checkpoint's when resuming); {@code startEpoch} and {@code epochs}
 * (resolved, > 0) give the slice; {@code maxExamples} 0 means all; {@code dataDir}/{@code modelIn}/
 * {@code checkpointDir} null mean the defaults; {@code keepCheckpoints} 0 turns checkpoints off; {@code averaging}
 * chooses where the workers' states are averaged ({@link AveragingPath}). With {@code lrMaxAuto}
 * ({@code --lr-max auto}) the policy's lrMax is a placeholder: the job takes the checkpoint's when it resumes,
 * else runs the range test {@code lrRange} and takes its suggestion ({@link #policyWithLrMax}).
 */
public record TrainingJobSettings(OneCyclePolicy policy, int totEpochs, int startEpoch, int epochs,
        int batchSizePerWorker, int averagingFrequency, int workers, long seed, String runDir, String modelIn,
        int maxExamples, String dataDir, int hiddenUnits, boolean overwrite, String checkpointDir, boolean resume,
        int keepCheckpoints, boolean acceptChangedSettings, String dataFormat, String labelColumn,
        String featuresColumn, int maxRestarts, AveragingPath averaging, boolean lrMaxAuto, LrRange lrRange) {

    /** The policy with {@code lrMax} in place of the asked (or, with {@code lrMaxAuto}, placeholder) one. */
    public OneCyclePolicy policyWithLrMax(double lrMax) {
        return policy.toBuilder().setLrMax(lrMax).build();
    }

    /** The exclusive last epoch of the slice asked for. */
    public int endEpoch() {
        return startEpoch + epochs;
    }

    /** {@code --checkpoint-dir}, default {@code <run-dir>/checkpoints}. */
    public String checkpointDirOrDefault() {
        return checkpointDir != null ? checkpointDir : java.nio.file.Paths.get(runDir, "checkpoints").toString();
    }
}
