package dev.onecycle.run;

import dev.onecycle.lrfind.LrRange;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.lrfind.Suggestion;
import dev.onecycle.lrfind.Suggestions;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.LrFinder;
import java.util.Locale;

/**
 * The learning-rate range test of a run ({@code onecycle lr-find}, {@code train --lr-max auto},
 * {@code OneCycleClassifier.findLr}): {@link LrFinder} with the training's workers, per-worker batch, averaging,
 * seed and first momentum, so that the test sweeps what the training will run.
 */
public final class RangeTest {
    private RangeTest() {
    }

    /** The finder of {@code range} for the training {@code s} describes, on {@code workers}; add observers. */
    public static LrFinder.Builder finder(RunSettings s, int workers, LrRange range) {
        return LrFinder.builder().optRange(range).optMomentum(s.policy().maxMomentum()).setWorkers(workers)
                .setBatchSizePerWorker(s.batchSizePerWorker()).optAveragingFrequency(s.averagingFrequency())
                .optSeed(s.seed()).optAveraging(s.averaging());
    }

    /** What the test will do, in one line. */
    public static String describe(RunSettings s, int workers, LrRange range) {
        return String.format(Locale.ROOT, "range test: lr %.3g to %.3g over %d iterations (%s), momentum %s, on %d "
                + "workers x batch %d, averaging every %d", range.startLr(), range.endLr(), range.numIt(),
                range.stopDiv() ? "stopping when the loss diverges" : "all of them", s.policy().maxMomentum(),
                workers, s.batchSizePerWorker(), s.averagingFrequency());
    }

    /** The suggestion {@code lrMax auto} takes, or a refusal saying why there is none and what to change. */
    public static Suggestion auto(RangeTestResult r, RunNaming n) {
        return r.auto().orElseThrow(() -> n.refusal(Settings.LR_MAX, "the range test stopped after "
                + r.points().size() + " iterations (" + r.stop().description() + "), too few points for the "
                + Suggestions.AUTO + " suggestion (it drops the first " + Suggestions.SKIP_START + " and the last "
                + Suggestions.SKIP_END + "); lower " + n.of(Settings.START_LR) + ", raise " + n.of(Settings.NUM_IT)
                + " or " + n.of(Settings.END_LR) + ", or give " + n.of(Settings.LR_MAX) + " a number", "auto"));
    }
}
