package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.SettingValues;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import java.util.UUID;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Synchronous parameter averaging on Spark (dl4j-spark's scheme: train {@code averagingFrequency} minibatches on
 * each worker, average parameters and updater state) where the driver owns the position in a partial 1cycle.
 *
 * <p>Unlike dl4j-spark's {@code ParameterAveragingTrainingMaster}: every example is trained exactly once per
 * epoch; one iteration is one minibatch step on every worker, with {@code itersPerEpoch} fixed from the data
 * before the first step; every job carries the schedule state (policy, slice, cycle iteration of each round) and
 * workers set their iteration counters from it; updater state is always averaged; and states are summed in a
 * fixed worker order ({@link WorkerMean}), so a run on CPU is bitwise reproducible. The data is spread once per
 * epoch into one contiguous shard per worker; workers keep their networks on the executors between rounds; the
 * states are averaged either after a Spark job per round or, on the barrier path, inside jobs of many rounds
 * ({@link AveragingPath}), with bitwise the same result.
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
    private final List<TrainingObserver> observers;
    private final AveragingPath averaging;
    private final int roundsPerJob;
    private final int aggregationDepth;
    private final EpochProgress resumeInEpoch;
    private final dev.onecycle.schedule.StepSchedule stepSchedule;
    private final SettingValues recordedSettings;

    /** {@link AveragingPath#AUTO} takes the barrier path only while each worker receives at most this much per round. */
    static final long BARRIER_MAX_GATHER_BYTES = 64L << 20;
    /** Without a fixed rounds-per-job, barrier jobs are sized to last about this long (progress, cancel, checkpoints). */
    static final double TARGET_JOB_SECONDS = 2.0;
    static final int MAX_ROUNDS_PER_JOB = 512;
    /** How long the end of an epoch waits for its released watch job to finish before cancelling it. */
    static final long WATCH_END_SECONDS = 10;

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
     * <p>The data is packed once into contiguous blocks (on the executors' disks) and spread per epoch; the
     * input's lineage stays the blocks' parents, so an RDD made with {@code sc.parallelize} would ship its data in
     * every epoch's spread tasks: hand driver-held examples over with {@link DriverData} instead.
     *
     * <p>Jobs run in the caller's Spark job group when it set one (Zeppelin's paragraph group), else in the
     * trainer's own; cancelling that group stops training at the current job with a
     * {@link TrainingCancelledException}. Whatever the trainer changed (group, description) is restored when it
     * returns or throws.
     */
    public TrainingPlan fit(JavaSparkContext sc, Network network, JavaRDD<DataSet> data) {
        String fitId = UUID.randomUUID().toString();
        TrainingPlan plan = null;
        JavaRDD<ExampleBlock> blocks = DataSpread.blocks(data);
        Broadcast<NetworkSpec> spec = null;
        AveragingEndpoint endpoint = null;
        boolean finished = false;
        int[] driverThreads = sc.isLocal() ? TaskThreads.current() : null;
        if (averaging == AveragingPath.BARRIER && (sc.isLocal()
                || sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false))) {
            // refused before any job where the answer cannot change (a local master's slots, the configuration);
            // a cluster's executors may still be registering: checked again after the counting job. (A forced
            // path does not look at the network.)
            choosePath(sc, network);
        }
        try (JobGroupScope jobs = JobGroupScope.enter(sc, "onecycle-" + fitId)) {
            jobs.describe("1cycle: packing and counting the data");
            blocks.persist(StorageLevel.DISK_ONLY());
            List<Integer> counts = run(jobs, -1, 0, () -> blocks.map(b -> b.count).collect());
            long[] offsets = DataSpread.offsets(counts);
            long examples = counts.stream().mapToLong(Integer::longValue).sum();
            plan = plan(examples);
            CycleSlice slice = plan.slice();
            if (stepSchedule == null) {
                OneCycleUpdaters.install(network, policy, slice);
            } else {
                dev.onecycle.dl4j.StepScheduleUpdaters.install(network, stepSchedule);
            }
            network.setIterationCount(Math.toIntExact(slice.firstIteration() + (resumeInEpoch == null ? 0
                    : Math.min(slice.itersPerEpoch(), (long) resumeInEpoch.roundsDone() * averagingFrequency))));
            network.setEpochCount(slice.startEpoch());
            spec = sc.broadcast(new NetworkSpec(fitId, network, policy, slice, stepSchedule));
            AveragingPath path = choosePath(sc, network);
            endpoint = AveragingEndpoint.start(fitId);
            Epochs epochs = new Epochs(sc, jobs, network, blocks, offsets, plan, spec, path, endpoint);
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
            blocks.unpersist(false);
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

    /** The path this fit averages on: the one asked for, or for {@link AveragingPath#AUTO} the cheaper that can run. */
    private AveragingPath choosePath(JavaSparkContext sc, Network network) {
        int slots = taskSlots(sc);
        boolean dynamic = sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false);
        switch (averaging) {
            case DRIVER:
                return AveragingPath.DRIVER;
            case BARRIER:
                if (dynamic) {
                    throw new InvalidParameterException("averaging", "barrier cannot run with dynamic allocation "
                            + "(Spark's barrier mode refuses it); set spark.dynamicAllocation.enabled=false or use "
                            + "averaging driver/auto", "barrier");
                }
                if (slots < workers) {
                    throw new InvalidParameterException("averaging", "barrier needs a free task slot per worker ("
                            + workers + "), the cluster has " + slots + "; use fewer workers or averaging driver/auto",
                            "barrier");
                }
                return AveragingPath.BARRIER;
            default:
                long stateBytes = 4L * (network.params().length()
                        + (network.updaterState() == null ? 0 : network.updaterState().length()));
                return !dynamic && slots >= workers && (long) workers * stateBytes <= BARRIER_MAX_GATHER_BYTES
                        ? AveragingPath.BARRIER : AveragingPath.DRIVER;
        }
    }

    /** Tasks the cluster can run at once now (Spark's own count for barrier stages). */
    static int taskSlots(JavaSparkContext sc) {
        org.apache.spark.SparkContext s = sc.sc();
        return s.maxNumConcurrentTasks(s.resourceProfileManager().defaultResourceProfile());
    }

    /** Runs one Spark job; a cancelled job group or an interrupted driver thread ends training. */
    private <T> T run(JobGroupScope jobs, int epoch, long iterationsDone, java.util.function.Supplier<T> job) {
        checkInterrupted(jobs, epoch, iterationsDone);
        try {
            return job.get();
        } catch (RuntimeException e) {
            throw cancelledOr(jobs, epoch, iterationsDone, e);
        }
    }

    private static void checkInterrupted(JobGroupScope jobs, int epoch, long iterationsDone) {
        if (Thread.currentThread().isInterrupted()) {
            throw new TrainingCancelledException(jobs.group(), epoch, iterationsDone,
                    new InterruptedException("the driver thread was interrupted"));
        }
    }

    /** {@code e} as a {@link TrainingCancelledException} when it is a cancellation, else {@code e} (unwrapped). */
    private static RuntimeException cancelledOr(JobGroupScope jobs, int epoch, long iterationsDone, Throwable e) {
        Throwable t = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cancelled(t)) {
            return new TrainingCancelledException(jobs.group(), epoch, iterationsDone, t);
        }
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new IllegalStateException(t.getMessage(), t); // SparkException: checked in Java, thrown by Scala code
    }

    static boolean cancelled(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof InterruptedException || t instanceof java.util.concurrent.CancellationException
                    || m.contains("part of cancelled job group")
                    || m.contains("cancellation of all jobs") || m.contains("SparkContext was shut down")) {
                return true;
            }
        }
        return false;
    }

    /** A submitted job: {@link #await} waits for it and averages its results into the driver's network. */
    private interface PendingJob {
        List<List<RoundResult>> await();

        void cancel();
    }

    /**
     * The epochs of one fit: the data spread per epoch, the rounds in jobs, the observers told in order. The
     * next job is submitted before the observers hear of the previous one, so the driver's own work overlaps
     * training and a job of the fit is active in its group nearly all the time (a group cancel reaches only
     * active jobs). While the observers of an epoch's end run (evaluation, checkpoint copy), a watch job keeps
     * the group's cancel from being lost.
     */
    private final class Epochs {
        private final JavaSparkContext sc;
        private final JobGroupScope jobs;
        private final Network network;
        private final JavaRDD<ExampleBlock> blocks;
        private final long[] offsets;
        private final TrainingPlan plan;
        private final Broadcast<NetworkSpec> spec;
        private final int fanIn;
        private final AveragingPath path;
        private final AveragingEndpoint endpoint;
        private int roundsPerJob;
        private long jobSubmitted;
        private long watches;

        Epochs(JavaSparkContext sc, JobGroupScope jobs, Network network, JavaRDD<ExampleBlock> blocks, long[] offsets,
                TrainingPlan plan, Broadcast<NetworkSpec> spec, AveragingPath path, AveragingEndpoint endpoint) {
            this.sc = sc;
            this.endpoint = endpoint;
            this.jobs = jobs;
            this.network = network;
            this.blocks = blocks;
            this.offsets = offsets;
            this.plan = plan;
            this.spec = spec;
            this.path = path;
            this.fanIn = WorkerMean.fanIn(workers, aggregationDepth);
            this.roundsPerJob = OneCycleTrainer.this.roundsPerJob > 0 ? OneCycleTrainer.this.roundsPerJob : 4;
        }

        /** Trains the epoch; true when an observer stopped the fit after one of its rounds (the epoch is cut short). */
        boolean train(int epoch) {
            EpochProgress from = resumeInEpoch != null && resumeInEpoch.epoch() == epoch ? resumeInEpoch
                    : new EpochProgress(epoch, 0, 0, 0, 0);
            long started = System.nanoTime() - (long) (from.seconds() * 1e9);
            int rounds = plan.roundsPerEpoch();
            jobs.describe("1cycle epoch " + epoch + ": spreading the data over " + workers + " workers");
            Broadcast<int[]> positions = sc.broadcast(DataSpread.positions(seed, epoch,
                    Math.toIntExact(plan.examples())));
            JavaRDD<WorkerShard> shards = DataSpread.shards(blocks, offsets, positions, workers, batchSizePerWorker);
            shards.persist(StorageLevel.MEMORY_ONLY());
            long spreadStarted = System.nanoTime();
            run(jobs, epoch, iterationsDone(), shards::count); // the spread, on its own (its cost is reported)
            double spreadSeconds = (System.nanoTime() - spreadStarted) / 1e9;
            double lossSum = from.lossSum();
            long minibatches = from.minibatches();
            long computeNanos = 0;
            int jobsRun = 0;
            PendingJob pending = null;
            try {
                List<RoundState> states = rounds(epoch, from.roundsDone());
                pending = submit(shards, states);
                while (pending != null) {
                    PendingJob job = pending;
                    pending = null;
                    List<List<RoundResult>> results = job.await();
                    jobsRun++;
                    adaptRoundsPerJob(states.size(), System.nanoTime() - jobSubmitted);
                    RoundState last = states.get(states.size() - 1);
                    network.setIterationCount(last.iterationOf(last.endStep()));
                    List<RoundState> done = states;
                    if (last.round() + 1 < rounds) {
                        states = rounds(epoch, last.round() + 1);
                        pending = submit(shards, states);
                    }
                    for (int i = 0; i < done.size(); i++) {
                        RoundState state = done.get(i);
                        List<AppliedStep> applied = new ArrayList<>();
                        double roundLoss = 0;
                        long roundBatches = 0;
                        long slowest = 0;
                        for (RoundResult r : results.get(i)) {
                            applied.addAll(r.steps());
                            roundLoss += r.scoreSum();
                            roundBatches += r.batches();
                            slowest = Math.max(slowest, r.computeNanos());
                        }
                        computeNanos += slowest;
                        applied.sort(Comparator.comparingLong(AppliedStep::iteration)
                                .thenComparingInt(AppliedStep::worker));
                        lossSum += roundLoss;
                        minibatches += roundBatches;
                        double meanScore = roundBatches == 0 ? Double.NaN : roundLoss / roundBatches;
                        for (TrainingObserver o : observers) {
                            o.onRound(plan, state, applied, meanScore);
                        }
                        if (stopAfter(state)) {
                            if (pending != null) {
                                // the job already submitted runs to its end, unreported: a cancel would log its
                                // killed tasks as WARN lines
                                pending.await();
                            }
                            shards.unpersist(false);
                            positions.destroy();
                            return true;
                        }
                    }
                    if (last.round() + 1 < rounds) { // the network holds the state after `last` until the next await
                        EpochProgress progress = new EpochProgress(epoch, last.round() + 1, lossSum, minibatches,
                                (System.nanoTime() - started) / 1e9);
                        for (TrainingObserver o : observers) {
                            o.onRoundsAveraged(plan, progress, network);
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (pending != null) {
                    pending.cancel();
                }
                shards.unpersist(false);
                throw e; // the positions broadcast is left to Spark's cleaner: killed tasks may still read it
            }
            shards.unpersist(false);
            positions.destroy();
            network.setEpochCount(epoch + 1);
            EpochSummary summary = new EpochSummary(epoch, (long) (epoch + 1) * plan.slice().itersPerEpoch(),
                    minibatches == 0 ? Double.NaN : lossSum / minibatches, minibatches,
                    (System.nanoTime() - started) / 1e9, spreadSeconds, computeNanos / 1e9, rounds, jobsRun);
            watchingForCancel(epoch, () -> {
                for (TrainingObserver o : observers) {
                    o.onEpoch(plan, summary, network);
                }
            });
            return false;
        }

        /** True when an observer needs the state after {@code roundsDone} rounds of the epoch. */
        private boolean wanted(int epoch, int roundsDone) {
            for (TrainingObserver o : observers) {
                if (o.wantsStateAfter(plan, epoch, roundsDone)) {
                    return true;
                }
            }
            return false;
        }

        private boolean stopAfter(RoundState state) {
            boolean stop = false;
            for (TrainingObserver o : observers) {
                stop |= o.stopAfterRound(plan, state);
            }
            return stop;
        }

        /** The rounds of the next job, from {@code first}: one on the job-per-round path, several on the barrier path. */
        private List<RoundState> rounds(int epoch, int first) {
            int ipe = plan.slice().itersPerEpoch();
            int n = path == AveragingPath.BARRIER ? Math.min(roundsPerJob, plan.roundsPerEpoch() - first) : 1;
            for (int k = 1; k < n; k++) { // a round an observer needs the state of ends the job
                if (wanted(epoch, first + k)) {
                    n = k;
                    break;
                }
            }
            List<RoundState> states = new ArrayList<>(n);
            for (int r = first; r < first + n; r++) {
                int step = r * averagingFrequency;
                states.add(new RoundState(policy, plan.slice(), epoch, r, step, Math.min(ipe, step + averagingFrequency),
                        seed));
            }
            return states;
        }

        private PendingJob submit(JavaRDD<WorkerShard> shards, List<RoundState> states) {
            RoundState a = states.get(0);
            RoundState b = states.get(states.size() - 1);
            checkInterrupted(jobs, a.epoch(), iterationsDone());
            jobs.describe("1cycle epoch " + a.epoch() + " round" + (states.size() == 1 ? " " + (a.round() + 1)
                    : "s " + (a.round() + 1) + "-" + (b.round() + 1)) + "/" + plan.roundsPerEpoch() + " (iterations "
                    + a.firstIteration() + ".." + (b.iterationOf(b.endStep()) - 1) + ")");
            jobSubmitted = System.nanoTime();
            return path == AveragingPath.BARRIER ? barrierJob(shards, states) : driverRound(shards, a);
        }

        /** Without a fixed {@code roundsPerJob}: barrier jobs of about {@link #TARGET_JOB_SECONDS} each. */
        private void adaptRoundsPerJob(int rounds, long nanos) {
            if (OneCycleTrainer.this.roundsPerJob > 0 || path != AveragingPath.BARRIER) {
                return;
            }
            double perRound = nanos / 1e9 / rounds;
            roundsPerJob = (int) Math.max(1, Math.min(MAX_ROUNDS_PER_JOB, Math.round(TARGET_JOB_SECONDS / perRound)));
        }

        private long iterationsDone() {
            return network.iterationCount();
        }

        private <T> T await(org.apache.spark.api.java.JavaFutureAction<T> future, int epoch) {
            try {
                return future.get();
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new TrainingCancelledException(jobs.group(), epoch, iterationsDone(), e);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                throw cancelledOr(jobs, epoch, iterationsDone(), e);
            }
        }

        /**
         * Runs driver-side work between jobs with a watch job in the group: a one-task job that waits until it
         * is cancelled. A group cancel meanwhile cancels it, and training stops after the work.
         */
        private void watchingForCancel(int epoch, Runnable work) {
            jobs.describe("1cycle epoch " + epoch + ": end of epoch (evaluation, checkpoint)");
            String name = endpoint.name();
            long id = ++watches;
            org.apache.spark.api.java.JavaFutureAction<Void> watch = sc.parallelize(List.of(0), 1)
                    .foreachAsync(x -> AveragingEndpoint.watch(name, id));
            try {
                work.run();
            } finally {
                endpoint.releaseWatchers(id);
                boolean groupCancelled = false;
                try {
                    watch.get(WATCH_END_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException stillQueued) {
                    watch.cancel(true); // never got a task slot: nothing to watch any more
                } catch (Exception e) {
                    // cancelled by the group, or lost with an executor (a best-effort watch: only a cancel counts)
                    groupCancelled = rootMessage(e).contains("part of cancelled job group");
                }
                if (groupCancelled && !Thread.currentThread().isInterrupted()) {
                    throw new TrainingCancelledException(jobs.group(), epoch, iterationsDone(), null);
                }
            }
        }

        /** One round as one Spark job: workers train, the driver (or a tree of executors) averages. */
        private PendingJob driverRound(JavaRDD<WorkerShard> shards, RoundState state) {
            Broadcast<RoundInput> input = sc.broadcast(new RoundInput(state, NetworkState.of(network)));
            JavaRDD<RoundResult> trained = shards.mapPartitionsWithIndex(new RoundTrainer(spec, input), true);
            int groups = (workers + fanIn - 1) / fanIn;
            int f = fanIn;
            // one group: the driver sums the workers' states itself; more: executors sum groups of workers first
            org.apache.spark.api.java.JavaFutureAction<List<RoundResult>> direct = groups == 1 ? trained.collectAsync() : null;
            org.apache.spark.api.java.JavaFutureAction<List<GroupSum>> tree = groups == 1 ? null
                    : JavaPairRDD.fromJavaRDD(trained.map(r -> new scala.Tuple2<>(r.worker() / f, r)))
                            .partitionBy(new org.apache.spark.HashPartitioner(groups))
                            .mapPartitionsWithIndex((g, it) -> List.of(GroupSum.of(g, it)).iterator(), true)
                            .collectAsync();
            return new PendingJob() {
                @Override
                public List<List<RoundResult>> await() {
                    try {
                        List<RoundResult> results = new ArrayList<>();
                        float[] mean;
                        if (direct != null) {
                            List<RoundResult> all = new ArrayList<>(Epochs.this.await(direct, state.epoch()));
                            all.sort(Comparator.comparingInt(RoundResult::worker));
                            List<float[]> states = new ArrayList<>();
                            for (RoundResult r : all) {
                                states.add(r.state());
                                results.add(r.withoutState());
                            }
                            mean = WorkerMean.mean(states, fanIn);
                        } else {
                            List<GroupSum> sums = new ArrayList<>(Epochs.this.await(tree, state.epoch()));
                            sums.sort(Comparator.comparingInt(GroupSum::group));
                            List<float[]> partials = new ArrayList<>();
                            int trainedWorkers = 0;
                            for (GroupSum g : sums) {
                                results.addAll(g.members());
                                partials.add(g.sum());
                                trainedWorkers += g.trained();
                            }
                            float[] total = WorkerMean.sum(partials);
                            mean = total == null ? null : WorkerMean.divide(total, trainedWorkers);
                        }
                        if (mean != null) {
                            new NetworkState(spec.value().paramCount, mean).applyTo(network);
                        }
                        return List.of(results);
                    } finally {
                        releaseIfDone(input, direct != null ? direct : tree);
                    }
                }

                @Override
                public void cancel() {
                    if (direct != null) {
                        direct.cancel(true);
                    } else {
                        tree.cancel(true);
                    } // its broadcast is left to Spark's cleaner: killed tasks may still read it
                }
            };
        }

        /** Several rounds as one barrier job: the workers average among themselves after each round. */
        private PendingJob barrierJob(JavaRDD<WorkerShard> shards, List<RoundState> states) {
            Broadcast<SegmentInput> input = sc.broadcast(new SegmentInput(states, NetworkState.of(network), fanIn, endpoint.name()));
            org.apache.spark.rdd.RDD<SegmentResult> job = shards.rdd().barrier().mapPartitions(
                    new BarrierSegmentTrainer(spec, input), true,
                    scala.reflect.ClassTag$.MODULE$.apply(SegmentResult.class));
            // The barrier stage must be a shuffle map stage: Spark reruns a failed barrier ShuffleMapStage whole, but
            // aborts the job when a barrier ResultStage fails ("Could not recover from a failed barrier ResultStage").
            org.apache.spark.api.java.JavaFutureAction<List<SegmentResult>> future = JavaPairRDD
                    .fromJavaRDD(job.toJavaRDD().map(r -> new scala.Tuple2<>(r.worker(), r)))
                    .partitionBy(new org.apache.spark.HashPartitioner(1)).values().collectAsync();
            return new PendingJob() {
                @Override
                public List<List<RoundResult>> await() {
                    try {
                        List<SegmentResult> results = new ArrayList<>(Epochs.this.await(future, states.get(0).epoch()));
                        results.sort(Comparator.comparingInt(SegmentResult::worker));
                        results.get(0).end().applyTo(network);
                        List<List<RoundResult>> byRound = new ArrayList<>();
                        for (int i = 0; i < states.size(); i++) {
                            List<RoundResult> round = new ArrayList<>(results.size());
                            for (SegmentResult r : results) {
                                round.add(r.rounds().get(i));
                            }
                            byRound.add(round);
                        }
                        return byRound;
                    } finally {
                        releaseIfDone(input, future);
                    }
                }

                @Override
                public void cancel() {
                    future.cancel(true); // its broadcast is left to Spark's cleaner: killed tasks may still read it
                }
            };
        }
    }

    /**
     * Destroys a job's input broadcast once the job succeeded. A failed or cancelled job's tasks may still be
     * running (Spark kills them asynchronously) and read it; that broadcast is left to Spark's cleaner.
     */
    private static void releaseIfDone(Broadcast<?> b, org.apache.spark.api.java.JavaFutureAction<?> job) {
        boolean succeeded;
        try {
            succeeded = job.isDone() && !job.isCancelled() && job.get() != null;
        } catch (Exception failed) {
            succeeded = false;
        }
        if (succeeded) {
            destroy(b);
        }
    }

    /** Destroys a broadcast once (a second destroy is an error in Spark). */
    private static void destroy(Broadcast<?> b) {
        if (b.isValid()) {
            b.destroy();
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t.getMessage()).append(' ');
        }
        return all.toString();
    }

    /**
     * Builds a {@link OneCycleTrainer}. Required: {@code setPolicy}, {@code setTotEpochs}, {@code setWorkers},
     * {@code setBatchSizePerWorker}. Optional: {@code optStartEpoch} (0), {@code optEpochs} (the rest of the
     * cycle), {@code optAveragingFrequency} (4), {@code optSeed} (42).
     */
    public static final class Builder {
        private OneCyclePolicy policy;
        private int totEpochs = -1;
        private int startEpoch;
        private int epochs = -1;
        private int workers = -1;
        private int batchSizePerWorker = -1;
        private int averagingFrequency = 4;
        private long seed = 42;
        private int expectedItersPerEpoch = -1;
        private final List<TrainingObserver> observers = new ArrayList<>();
        private AveragingPath averaging = AveragingPath.AUTO;
        private int roundsPerJob;
        private int aggregationDepth = 2;
        private EpochProgress resumeInEpoch;
        private dev.onecycle.schedule.StepSchedule stepSchedule;
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

        /** Number of workers (Spark partitions trained in parallel); > 0. */
        public Builder setWorkers(int workers) {
            this.workers = positive("workers", workers);
            return this;
        }

        /** Minibatch size on each worker; > 0. */
        public Builder setBatchSizePerWorker(int batchSizePerWorker) {
            this.batchSizePerWorker = positive("batchSizePerWorker", batchSizePerWorker);
            return this;
        }

        /** Minibatches each worker trains between two averagings; > 0. Default 4. */
        public Builder optAveragingFrequency(int averagingFrequency) {
            this.averagingFrequency = positive("averagingFrequency", averagingFrequency);
            return this;
        }

        /** Seeds the data order of every epoch and the workers' random numbers (dropout). Default 42. */
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
         * Where the states are averaged: {@link AveragingPath#AUTO} (default), {@code DRIVER} (a Spark job per
         * round) or {@code BARRIER} (many rounds per job, averaged among the workers). Results are bitwise equal.
         */
        public Builder optAveraging(AveragingPath averaging) {
            if (averaging == null) {
                throw new InvalidParameterException("averaging", "must be driver, barrier or auto", "null");
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
         * 1cycle (a learning-rate range test's sweep); it must be {@link java.io.Serializable}. The policy and
         * slice still fix the plan (epochs, itersPerEpoch). Default: the policy's 1cycle.
         */
        public Builder optStepSchedule(dev.onecycle.schedule.StepSchedule schedule) {
            if (!(schedule instanceof java.io.Serializable)) {
                throw new InvalidParameterException("stepSchedule", "must be a Serializable StepSchedule",
                        schedule == null ? "null" : schedule.getClass().getName());
            }
            this.stepSchedule = schedule;
            return this;
        }

        /**
         * Values of settings besides the trainer's own parameters that this run's checkpoints record and a resume
         * compares ({@link dev.onecycle.settings.Settings#RECORDED}, e.g. one of the network's): the plan carries
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
