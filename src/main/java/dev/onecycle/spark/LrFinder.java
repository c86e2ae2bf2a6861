package dev.onecycle.spark;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.lrfind.RangeTestCurve;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The learning-rate range test (fastai's {@code lr_find}) on the cluster, with {@link OneCycleTrainer}: the same
 * workers, per-worker batch, averaging frequency and seeded data order as the training it is for, the learning
 * rate swept exponentially ({@link LrRange}), the momentum held. The loss of an iteration is the mean of the
 * workers' minibatch losses of that iteration; the curve is smoothed and stopped as fastai does
 * ({@link RangeTestCurve}). It trains a copy of the network and throws it away.
 *
 * <pre>{@code
 * RangeTestResult r = LrFinder.builder().setWorkers(2).setBatchSizePerWorker(32).build()
 *     .run(sc, network, trainData);
 * double lrMax = r.auto().orElseThrow().lr();
 * }</pre>
 */
public final class LrFinder {
    private final LrRange range;
    private final double momentum;
    private final int workers;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final long seed;
    private final AveragingPath averaging;
    private final List<TrainingObserver> observers;

    private LrFinder(Builder b) {
        this.range = b.range;
        this.momentum = b.momentum;
        this.workers = b.workers;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.seed = b.seed;
        this.averaging = b.averaging;
        this.observers = List.copyOf(b.observers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The sweep this finder runs. */
    public LrRange range() {
        return range;
    }

    /**
     * Runs the range test on a copy of {@code network} (which is left as it was) over {@code data} and returns
     * the curve with its suggestions. Cancelling the caller's job group stops it as it stops a fit.
     */
    public RangeTestResult run(JavaSparkContext sc, Network network, JavaRDD<DataSet> data) {
        return run(trainer -> trainer.fit(sc, network.copy(), data));
    }

    /** {@link #run(JavaSparkContext, Network, JavaRDD)} on examples held on the driver (no shuffle per epoch). */
    public RangeTestResult run(JavaSparkContext sc, Network network, DriverData data) {
        return run(trainer -> trainer.fit(sc, network.copy(), data));
    }

    private RangeTestResult run(Consumer<OneCycleTrainer> fit) {
        RangeTestCurve curve = new RangeTestCurve(range);
        // the policy only fixes the plan: every epoch has >= 1 iteration, so numIt epochs hold the sweep
        OneCyclePolicy policy = OneCyclePolicy.builder().setLrMax(range.endLr()).optMomentum(momentum, momentum)
                .build();
        OneCycleTrainer.Builder b = OneCycleTrainer.builder().setPolicy(policy).setTotEpochs(range.numIt())
                .setWorkers(workers).setBatchSizePerWorker(batchSizePerWorker)
                .optAveragingFrequency(averagingFrequency).optSeed(seed).optAveraging(averaging)
                .optStepSchedule(range.schedule(momentum)).optObserver(new Recorder(curve));
        for (TrainingObserver o : observers) {
            b.optObserver(o);
        }
        fit.accept(b.build());
        if (!curve.done()) {
            throw new IllegalStateException("the range test ended after " + curve.points().size() + " of "
                    + range.numIt() + " iterations: the data gave no more");
        }
        return curve.result(momentum);
    }

    /** Feeds each round's per-iteration mean loss to the curve; asks the trainer to stop once it is done. */
    private static final class Recorder implements TrainingObserver {
        private final RangeTestCurve curve;

        Recorder(RangeTestCurve curve) {
            this.curve = curve;
        }

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
            Map<Long, List<Double>> byIteration = new TreeMap<>();
            for (AppliedStep s : applied) {
                byIteration.computeIfAbsent(s.iteration(), k -> new ArrayList<>()).add(s.score());
            }
            for (List<Double> scores : byIteration.values()) { // in worker order: a fixed-order sum
                if (curve.done()) {
                    return; // iterations a round trains past the sweep's end (or its stop) are not recorded
                }
                double sum = 0;
                for (double v : scores) {
                    sum += v;
                }
                curve.add(sum / scores.size());
            }
        }

        @Override
        public boolean stopAfterRound(TrainingPlan plan, RoundState round) {
            return curve.done();
        }
    }

    /**
     * Builds an {@link LrFinder}. Required: {@code setWorkers}, {@code setBatchSizePerWorker}. Optional, each
     * defaulting to its declared setting's default ({@link Settings}): {@code optRange} (fastai's 1e-7 to 10 over
     * 100 iterations, stop on divergence), {@code optMomentum} (the first of the default 1cycle's moms),
     * {@code optAveragingFrequency}, {@code optSeed}, {@code optAveraging}. Each value is checked by its
     * setting's rule. Use the values of the training the learning rate is for.
     */
    public static final class Builder {
        private LrRange range = Settings.lrRange(SettingValues.empty());
        private double momentum = Settings.MOMS.defaultValue().max();
        private int workers = -1;
        private int batchSizePerWorker = -1;
        private int averagingFrequency = Settings.AVERAGING_FREQUENCY.defaultValue();
        private long seed = Settings.SEED.defaultValue();
        private AveragingPath averaging = Settings.AVERAGING.defaultValue();
        private final List<TrainingObserver> observers = new ArrayList<>();

        private Builder() {
        }

        public Builder optRange(LrRange range) {
            if (range == null) {
                throw new InvalidParameterException("range", "is required", "null");
            }
            this.range = range;
            return this;
        }

        /** The momentum held through the test (fastai: the first of the 1cycle's moms); in [0, 1). */
        public Builder optMomentum(double momentum) {
            if (!(momentum >= 0 && momentum < 1)) {
                throw new InvalidParameterException("momentum", "must be in [0, 1)", momentum);
            }
            this.momentum = momentum;
            return this;
        }

        public Builder setWorkers(int workers) {
            this.workers = Settings.WORKERS.validate(workers);
            return this;
        }

        public Builder setBatchSizePerWorker(int batchSizePerWorker) {
            this.batchSizePerWorker = Settings.BATCH_SIZE.validate(batchSizePerWorker);
            return this;
        }

        public Builder optAveragingFrequency(int averagingFrequency) {
            this.averagingFrequency = Settings.AVERAGING_FREQUENCY.validate(averagingFrequency);
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = Settings.SEED.validate(seed);
            return this;
        }

        public Builder optAveraging(AveragingPath averaging) {
            this.averaging = Settings.AVERAGING.validate(averaging);
            return this;
        }

        /** Also told of the test's rounds (progress); it must not stop the fit itself. */
        public Builder optObserver(TrainingObserver observer) {
            if (observer != null) {
                observers.add(observer);
            }
            return this;
        }

        public LrFinder build() {
            if (workers < 0) {
                throw new InvalidParameterException(Settings.WORKERS.name(), "is required (> 0)", "nothing");
            }
            if (batchSizePerWorker < 0) {
                throw new InvalidParameterException(Settings.BATCH_SIZE.name(), "is required (> 0)", "nothing");
            }
            return new LrFinder(this);
        }
    }
}
