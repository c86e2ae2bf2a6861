package dev.onecycle.run;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.DataSpread;
import dev.onecycle.spark.EpochProgress;
import dev.onecycle.spark.OneCycleTrainer;
import java.util.Locale;

/**
 * Where a run starts ({@link ResumeDecision}): the network, the epoch, the workers, the checkpoint it continues
 * (null: none), the policy to train (null with {@code lrMax auto} on a fresh start: the range test gives its
 * lrMax) and how far into {@code startEpoch} a mid-epoch checkpoint got ({@code inEpoch}, null at an epoch's start).
 */
public record RunStart(Network network, int startEpoch, int workers, Checkpoint from, OneCyclePolicy policy,
        EpochProgress inEpoch) {

    /** The averaging rounds of {@code startEpoch} already done. */
    public int round() {
        return inEpoch == null ? 0 : inEpoch.roundsDone();
    }

    /** {@code epoch 3} or {@code epoch 3 round 40}, for messages. */
    public String at() {
        return "epoch " + startEpoch + (round() == 0 ? "" : " round " + round());
    }

    /** True when the slice asked for is already trained (a resume from its last checkpoint). */
    public boolean complete(RunSettings s) {
        return startEpoch >= s.endEpoch();
    }

    /**
     * Checks the slice left to train and the policy with the real iterations per epoch ({@code examples} over the
     * workers), what the trainer's plan checks after counting, before any Spark job.
     */
    public void checkSlice(RunSettings s, long examples, RunNaming n) {
        if (complete(s)) {
            return;
        }
        int ipe = DataSpread.itersPerEpoch(examples, workers, s.batchSizePerWorker());
        long maxEpochs = Integer.MAX_VALUE / ipe;
        if (s.totEpochs() > maxEpochs) { // CycleSlice would name itersPerEpoch, which no front end sets
            throw n.refusal(Settings.TOT_EPOCHS, String.format(Locale.ROOT, "%d epochs of %d iterations (%d training "
                    + "examples over %d workers in batches of %d) are %d iterations, more than DL4J's iteration "
                    + "counter holds (%d); give %s %d or fewer", s.totEpochs(), ipe, examples, workers,
                    s.batchSizePerWorker(), (long) s.totEpochs() * ipe, Integer.MAX_VALUE,
                    n.of(Settings.TOT_EPOCHS), maxEpochs), s.totEpochs());
        }
        (policy != null ? policy : s.policy()).schedule(CycleSlice.builder().optTotEpochs(s.totEpochs())
                .optStartEpoch(startEpoch).setEpochs(s.endEpoch() - startEpoch).setItersPerEpoch(ipe).build());
    }

    /**
     * The trainer of the rest of the slice from here: the settings' policy (or this start's), cycle, workers and
     * data order; a resumed run counts the checkpoint's iterations per epoch (unless changed settings are
     * accepted) and continues a mid-epoch checkpoint's rounds. The caller adds its observers.
     */
    public OneCycleTrainer.Builder trainer(RunSettings s) {
        OneCycleTrainer.Builder b = OneCycleTrainer.builder().setPolicy(policy != null ? policy : s.policy())
                .setTotEpochs(s.totEpochs()).optStartEpoch(startEpoch).optEpochs(s.endEpoch() - startEpoch)
                .setWorkers(workers).setBatchSizePerWorker(s.batchSizePerWorker())
                .optAveragingFrequency(s.averagingFrequency()).optAveraging(s.averaging()).optSeed(s.seed())
                .optRecordedSettings(s.values());
        if (from != null && !s.acceptChangedSettings()) {
            // the cycle's position is epoch * itersPerEpoch: a resumed part must count the same
            b.optExpectedItersPerEpoch(from.state().itersPerEpoch());
        }
        return b.optResumeInEpoch(inEpoch);
    }
}
