package dev.onecycle.spark;

import dev.onecycle.schedule.OneCyclePolicy;

/**
 * Everything the training job needs, as the command line or a properties file gives it. {@code workers} 0
 * means Spark's default parallelism; {@code startEpoch} and {@code epochs} follow {@link OneCycleTrainer};
 * {@code maxExamples} 0 means all; {@code dataDir}/{@code modelIn} null mean the defaults.
 */
public record TrainingJobSettings(OneCyclePolicy policy, int totEpochs, int startEpoch, int epochs,
        int batchSizePerWorker, int averagingFrequency, int workers, long seed, String runDir, String modelIn,
        int maxExamples, String dataDir, int hiddenUnits, boolean overwrite) {
}
