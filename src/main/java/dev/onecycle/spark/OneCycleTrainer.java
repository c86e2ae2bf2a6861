package dev.onecycle.spark;

import dev.onecycle.averaging.Averaging;
import dev.onecycle.averaging.AveragingEndpoint;
import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.averaging.Cluster;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.dl4j.StepScheduleUpdaters;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.StepSchedule;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import dev.onecycle.worker.NetworkSpec;
import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.TaskThreads;
import dev.onecycle.worker.WorkerNetworks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Synchronous parameter averaging on Spark (dl4j-spark's scheme: train {@code averagingFrequency} minibatches on
 * each worker, average parameters and updater state) where the driver owns the position in a partial 1cycle.
 *
 * <p>Unlike dl4j-spark's {@code ParameterAveragingTrainingMaster}: every example is trained exactly once per
 * epoch; one iteration is one minibatch step on every worker, with {@code itersPerEpoch} fixed from the data
 * before the first step; the policy and slice travel once per fit (installed as the workers' updater schedules),
 * every job carries the cycle iteration of each of its rounds and workers set their iteration counters from it;
 * updater state is always averaged; and states are summed in a fixed worker order ({@code WorkerMean}), so a run
 * on CPU is bitwise reproducible. The data is spread once per
 * epoch into one contiguous shard per worker; workers keep their networks on the executors between rounds; the
 * states are averaged by the fit's {@link Averaging} strategy (after a Spark job per round, or on the barrier
 * path inside jobs of many rounds; {@link AveragingPath}), with bitwise the same result. This class fixes the
 * plan and sets up a fit; {@code Epochs} runs its epochs.
 *
 * <pre>{@code
 * OneCycleTrainer trainer = OneCycleTrainer.builder()
 *     .setPolicy(OneCyclePolicy.builder().setLrMax(0.05).build())
 *     .setTotEpochs(20).optStartEpoch(8).optEpochs(12)      // epochs 8..19 of a 20-epoch cycle
 *     .setWorkers(2).setBatchSizePerWorker(32).build();
 * trainer.fit(sc, Network.restore(new File("epoch-8/model.zip")), trainData);
 * }</pre>
 */
public final class OneCycleTrainer {
    private final OneCyclePolicy policy;
    private final int totEpochs;
    private final int startEpoch;
    private final int epochs;
    private final int workers;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final long seed;
    private final int expectedItersPerEpoch;
    final List<TrainingObserver> observers; // and resumeInEpoch: read by Epochs
    private final AveragingPath averaging;
    private final int roundsPerJob;
    private final int aggregationDepth;
    final EpochProgress resumeInEpoch;
    private final StepSchedule stepSchedule;
    private final SettingValues recordedSettings;

    private OneCycleTrainer(Builder b) {
        this.policy = b.policy;
        this.totEpochs = b.totEpochs;
        this.startEpoch = b.startEpoch;
        this.epochs = b.epochs;
        this.workers = b.workers;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.seed = b.seed;
        this.expectedItersPerEpoch = b.expectedItersPerEpoch;
        this.observers = List.copyOf(b.observers);
        this.averaging = b.averaging;
        this.roundsPerJob = b.roundsPerJob;
        this.aggregationDepth = b.aggregationDepth;
        this.resumeInEpoch = b.resumeInEpoch;
        this.stepSchedule = b.stepSchedule;
        this.recordedSettings = b.recordedSettings;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Counts the data, fixes itersPerEpoch and the slice, and returns the plan {@link #fit} would follow.
     * Throws {@link InvalidParameterException} when the slice or policy does not fit the data.
     */
    public TrainingPlan plan(long examples) {
        int ipe = DataSpread.itersPerEpoch(examples, workers, batchSizePerWorker);
        if (expectedItersPerEpoch > 0 && ipe != expectedItersPerEpoch) {
            throw new InvalidParameterException("itersPerEpoch", "must stay " + expectedItersPerEpoch
                    + " for every part of a cycle, but " + examples + " examples over " + workers
                    + " workers in batches of " + batchSizePerWorker + " give", ipe);
        }
        CycleSlice slice = CycleSlice.builder().optTotEpochs(totEpochs).optStartEpoch(startEpoch)
                .setEpochs(epochs).setItersPerEpoch(ipe).build();
        policy.schedule(slice);
        TrainingPlan plan = new TrainingPlan(policy, slice, examples, workers, batchSizePerWorker, averagingFrequency,
                seed, recordedSettings);
        if (resumeInEpoch != null && resumeInEpoch.roundsDone() >= plan.roundsPerEpoch()) {
            throw new InvalidParameterException("resumeInEpoch.roundsDone", "must be < the epoch's "
                    + plan.roundsPerEpoch() + " rounds", resumeInEpoch.roundsDone());
        }
        return plan;
    }

    /**
     * Trains the slice's epochs on {@code data} (DataSets of one or more examples) and leaves the averaged
     * result in {@code network}, positioned at the slice's end (iteration and epoch counters).
     *
     * <p>The data is packed once into contiguous blocks (on the executors' disks) and spread per epoch by a
     * shuffle; the input's lineage stays the blocks' parents, so an RDD made with {@code sc.parallelize} would
     * ship its data in every epoch's spread tasks: hand driver-held examples over as a {@link DriverData}
     * ({@link #fit(JavaSparkContext, Network, DriverData)}: no shuffle at all) instead.
     *
     * <p>Jobs run in the caller's Spark job group when it set one (Zeppelin's paragraph group), else in the
     * trainer's own; cancelling that group stops training at the current job with a
     * {@link TrainingCancelledException}. Whatever the trainer changed (group, description) is restored when it
     * returns or throws.
     */
    public TrainingPlan fit(JavaSparkContext sc, Network network, JavaRDD<DataSet> data) {
        return fit(sc, network, new ShuffledShards(data));
    }

    /**
     * {@link #fit(JavaSparkContext, Network, JavaRDD)} on examples held on the driver: every executor already
     * holds them ({@code data}'s broadcast), so each epoch's shards are built by the workers' tasks themselves,
     * with no shuffle; the result is bitwise that of {@code fit(sc, network, data.rdd())}.
     */
    public TrainingPlan fit(JavaSparkContext sc, Network network, DriverData data) {
        return fit(sc, network, data.shards());
    }

    private TrainingPlan fit(JavaSparkContext sc, Network network, ShardSource source) {
        String fitId = UUID.randomUUID().toString();
        TrainingPlan plan = null;
        Broadcast<NetworkSpec> spec = null;
        AveragingEndpoint endpoint = null;
        boolean finished = false;
        int[] driverThreads = sc.isLocal() ? TaskThreads.current() : null;
        if (averaging != AveragingPath.AUTO && (sc.isLocal()
                || sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false))) {
            // refused before any job where the answer cannot change (a local master's slots, the configuration);
            // a cluster's executors may still be registering: checked again after the counting job. (A forced
            // path does not look at the network.)
            averaging.choose(Cluster.of(sc, workers, -1));
        }
        try (JobGroupScope jobs = JobGroupScope.enter(sc, "onecycle-" + fitId)) {
            jobs.describe("1cycle: packing and counting the data");
            long examples = source.prepare(sc, jobs);
            plan = plan(examples);
            CycleSlice slice = plan.slice();
            if (stepSchedule == null) {
                OneCycleUpdaters.install(network, policy, slice);
            } else {
                StepScheduleUpdaters.install(network, stepSchedule);
            }
            network.setIterationCount(Math.toIntExact(slice.firstIteration() + (resumeInEpoch == null ? 0
                    : Math.min(slice.itersPerEpoch(), (long) resumeInEpoch.roundsDone() * averagingFrequency))));
            network.setEpochCount(slice.startEpoch());
            spec = sc.broadcast(new NetworkSpec(fitId, network, policy, slice, stepSchedule));
            int stateLength = stateLength(network);
            AveragingPath path = averaging.choose(registered(sc, workers, 4L * stateLength));
            endpoint = AveragingEndpoint.start(fitId, plan.workers(), stateLength);
            Averaging strategy = path.start(new Averaging.Context(sc, spec, workers, aggregationDepth, endpoint,
                    roundsPerJob));
            Epochs epochs = new Epochs(this, sc, jobs, network, source, plan, strategy, endpoint);
            for (TrainingObserver o : observers) {
                o.onStart(plan);
            }
            for (int epoch = slice.startEpoch(); epoch < slice.endEpoch(); epoch++) {
                if (epochs.train(epoch)) {
                    break; // an observer asked to stop after a round
                }
            }
            for (TrainingObserver o : observers) {
                o.onFinish(plan, network);
            }
            finished = true;
            return plan;
        } catch (RuntimeException e) {
            if (plan != null) {
                for (TrainingObserver o : observers) {
                    o.onAbort(plan, e);
                }
            }
            throw e;
        } finally {
            source.release();
            if (spec != null && finished) { // after a failure, killed tasks may still read it: Spark's cleaner frees it
                spec.destroy();
            }
            WorkerNetworks.forget(fitId);
            if (driverThreads != null) { // local mode: the tasks' thread counts were the driver process's too
                TaskThreads.restore(driverThreads);
            }
            if (endpoint != null) {
                endpoint.close();
            }
        }
    }

    /**
     * The cluster once a task slot per worker has registered, or as it is after Spark's own wait for executors
     * ({@code spark.scheduler.maxRegisteredResourcesWaitingTime}, 30 s by default) runs out: executors of a
     * standalone, YARN or Kubernetes application register one by one while the first jobs run, and the averaging
     * path is chosen from the slots they offer. Local masters and dynamic allocation are taken as they are.
     */
    private static Cluster registered(JavaSparkContext sc, int workers, long stateBytes) {
        Cluster now = Cluster.of(sc, workers, stateBytes);
        if (sc.isLocal() || now.dynamicAllocation() || now.taskSlots() >= workers) {
            return now;
        }
        long deadline = System.nanoTime()
                + 1_000_000L * sc.getConf().getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s");
        while (now.taskSlots() < workers && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = Cluster.of(sc, workers, stateBytes);
        }
        return now;
    }

    /** The values of a worker's state: parameters, then updater state ({@link NetworkState}). */
    private static int stateLength(Network network) {
        INDArray updater = network.updaterState();
        return Math.toIntExact(network.params().length() + (updater == null ? 0 : updater.length()));
    }

    /**
     * Builds a {@link OneCycleTrainer}. Required: {@code setPolicy}, {@code setTotEpochs}, {@code setWorkers},
     * {@code setBatchSizePerWorker}. Optional: {@code optStartEpoch} (0), {@code optEpochs} (the rest of the
     * cycle), {@code optAveragingFrequency}, {@code optSeed} and {@code optAveraging} (their {@link Settings}
     * declarations' defaults: 4, 42, auto).
     */
    public static final class Builder {
        private OneCyclePolicy policy;
        private int totEpochs = -1;
        private int startEpoch;
        private int epochs = -1;
        private int workers = -1;
        private int batchSizePerWorker = -1;
        private int averagingFrequency = Settings.AVERAGING_FREQUENCY.defaultValue();
        private long seed = Settings.SEED.defaultValue();
        private int expectedItersPerEpoch = -1;
        private final List<TrainingObserver> observers = new ArrayList<>();
        private AveragingPath averaging = Settings.AVERAGING.defaultValue();
        private int roundsPerJob;
        private int aggregationDepth = 2;
        private EpochProgress resumeInEpoch;
        private StepSchedule stepSchedule;
        private SettingValues recordedSettings = SettingValues.empty();

        private Builder() {
        }

        public Builder setPolicy(OneCyclePolicy policy) {
            if (policy == null) {
                throw new InvalidParameterException("policy", "is required", "null");
            }
            this.policy = policy;
            return this;
        }

        /** The length of the whole cycle in epochs; > 0. */
        public Builder setTotEpochs(int totEpochs) {
            this.totEpochs = positive("totEpochs", totEpochs);
            return this;
        }

        /** The epoch of the cycle to start at; >= 0. */
        public Builder optStartEpoch(int startEpoch) {
            if (startEpoch < 0) {
                throw new InvalidParameterException("startEpoch", "must be >= 0", startEpoch);
            }
            this.startEpoch = startEpoch;
            return this;
        }

        /** How many epochs to run now; > 0. Default: to the end of the cycle. */
        public Builder optEpochs(int epochs) {
            this.epochs = positive("epochs", epochs);
            return this;
        }

        /** Number of workers (Spark partitions trained in parallel); > 0 ({@link Settings#WORKERS}). */
        public Builder setWorkers(int workers) {
            this.workers = Settings.WORKERS.validate(workers);
            return this;
        }

        /** Minibatch size on each worker; > 0. */
        public Builder setBatchSizePerWorker(int batchSizePerWorker) {
            this.batchSizePerWorker = positive("batchSizePerWorker", batchSizePerWorker);
            return this;
        }

        /** Minibatches each worker trains between two averagings; > 0. Default 4 ({@link Settings#AVERAGING_FREQUENCY}). */
        public Builder optAveragingFrequency(int averagingFrequency) {
            this.averagingFrequency = Settings.AVERAGING_FREQUENCY.validate(averagingFrequency);
            return this;
        }

        /** Seeds the data order of every epoch and the workers' random numbers (dropout). Default 42 ({@link Settings#SEED}). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Refuse data that does not give this itersPerEpoch (a later part of a cycle must match the first). */
        public Builder optExpectedItersPerEpoch(int itersPerEpoch) {
            this.expectedItersPerEpoch = positive("itersPerEpoch", itersPerEpoch);
            return this;
        }

        /**
         * Where the states are averaged: one of the {@link AveragingPath} strategies, {@link AveragingPath#AUTO}
         * (default, {@link Settings#AVERAGING}) picking one that can run. Results are bitwise equal.
         */
        public Builder optAveraging(AveragingPath averaging) {
            if (averaging == null) {
                throw new InvalidParameterException("averaging", "must be one of " + AveragingPath.ids(", "), "null");
            }
            this.averaging = averaging;
            return this;
        }

        /** Rounds per Spark job on the barrier path; > 0. Default: sized so a job lasts about 2 s. */
        public Builder optRoundsPerJob(int roundsPerJob) {
            this.roundsPerJob = positive("roundsPerJob", roundsPerJob);
            return this;
        }

        /**
         * Levels of the fixed-order sum over the workers (MLlib's {@code aggregationDepth}); > 0, default 2.
         * Past a few workers the job-per-round path sums groups of workers on the executors first.
         */
        public Builder optAggregationDepth(int aggregationDepth) {
            this.aggregationDepth = positive("aggregationDepth", aggregationDepth);
            return this;
        }

        /**
         * Continues a mid-epoch checkpoint: the slice's first epoch (which must be {@code progress.epoch()})
         * starts at round {@code progress.roundsDone()} (> 0, less than the epoch's rounds) from the state the
         * network holds, and its summary adds the loss and seconds of the rounds already done.
         */
        public Builder optResumeInEpoch(EpochProgress progress) {
            if (progress != null && progress.roundsDone() <= 0) {
                throw new InvalidParameterException("resumeInEpoch.roundsDone", "must be > 0 (round 0 is the "
                        + "epoch's start: no resume needed)", progress.roundsDone());
            }
            this.resumeInEpoch = progress;
            return this;
        }

        /**
         * The learning rate and momentum the workers apply at each absolute iteration instead of the policy's
         * 1cycle (a learning-rate range test's sweep); it must be {@link Serializable}. The policy and
         * slice still fix the plan (epochs, itersPerEpoch). Default: the policy's 1cycle.
         */
        public Builder optStepSchedule(StepSchedule schedule) {
            if (!(schedule instanceof Serializable)) {
                throw new InvalidParameterException("stepSchedule", "must be a Serializable StepSchedule",
                        schedule == null ? "null" : schedule.getClass().getName());
            }
            this.stepSchedule = schedule;
            return this;
        }

        /**
         * Values of settings besides the trainer's own parameters that this run's checkpoints record and a resume
         * compares ({@link Settings#RECORDED}, e.g. one of the network's): the plan carries
         * them ({@link TrainingPlan#settings}). A job made from {@link SettingValues} passes all of them; the
         * trainer's own parameters (policy, cycle, workers, batch size, averaging, seed) take precedence.
         */
        public Builder optRecordedSettings(SettingValues values) {
            this.recordedSettings = values == null ? SettingValues.empty() : values;
            return this;
        }

        public Builder optObserver(TrainingObserver observer) {
            if (observer != null) {
                observers.add(observer);
            }
            return this;
        }

        public OneCycleTrainer build() {
            if (policy == null) {
                throw new InvalidParameterException("policy", "is required", "nothing");
            }
            if (totEpochs < 0) {
                throw new InvalidParameterException("totEpochs", "is required (> 0)", "nothing");
            }
            if (workers < 0) {
                throw new InvalidParameterException("workers", "is required (> 0)", "nothing");
            }
            if (batchSizePerWorker < 0) {
                throw new InvalidParameterException("batchSizePerWorker", "is required (> 0)", "nothing");
            }
            if (startEpoch >= totEpochs) {
                throw new InvalidParameterException("startEpoch", "must be < totEpochs (" + totEpochs + ")",
                        startEpoch);
            }
            if (epochs < 0) {
                epochs = totEpochs - startEpoch;
            }
            if ((long) startEpoch + epochs > totEpochs) {
                throw new InvalidParameterException("epochs", "must keep startEpoch + epochs <= totEpochs ("
                        + startEpoch + " + " + epochs + " > " + totEpochs + ")", epochs);
            }
            if (resumeInEpoch != null && resumeInEpoch.epoch() != startEpoch) {
                throw new InvalidParameterException("resumeInEpoch.epoch", "must be startEpoch (" + startEpoch + ")",
                        resumeInEpoch.epoch());
            }
            return new OneCycleTrainer(this);
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new InvalidParameterException(name, "must be > 0", value);
            }
            return value;
        }
    }
}
