package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Synchronous parameter averaging on Spark (dl4j-spark's scheme: broadcast a {@link NetBroadcastTuple}, train
 * {@code averagingFrequency} minibatches on each worker, average parameters and updater state) where the
 * driver owns the position in a partial 1cycle.
 *
 * <p>Unlike dl4j-spark's {@code ParameterAveragingTrainingMaster}: every example is trained exactly once per
 * epoch; one iteration is one minibatch step on every worker, with {@code itersPerEpoch} fixed from the data
 * before the first step; each round broadcasts the schedule state (policy, slice, cycle iteration) and workers
 * set their iteration counters from it; updater state is always averaged; and results are averaged in worker
 * order, so a run on CPU is bitwise reproducible.
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
        return new TrainingPlan(policy, slice, examples, workers, batchSizePerWorker, averagingFrequency, seed);
    }

    /**
     * Trains the slice's epochs on {@code data} (DataSets of one or more examples) and leaves the averaged
     * result in {@code network}, positioned at the slice's end (iteration and epoch counters).
     */
    public TrainingPlan fit(JavaSparkContext sc, Network network, JavaRDD<DataSet> data) {
        JavaPairRDD<Long, Example> indexed = data.flatMap(ds -> Example.split(ds).iterator()).zipWithIndex()
                .mapToPair(t -> new scala.Tuple2<>(t._2(), t._1()));
        indexed.persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            TrainingPlan plan = plan(indexed.count());
            CycleSlice slice = plan.slice();
            OneCycleUpdaters.install(network, policy, slice);
            network.setIterationCount(Math.toIntExact(slice.firstIteration()));
            network.setEpochCount(slice.startEpoch());
            observers.forEach(o -> o.onStart(plan));
            for (int epoch = slice.startEpoch(); epoch < slice.endEpoch(); epoch++) {
                trainEpoch(sc, network, indexed, plan, epoch);
            }
            observers.forEach(o -> o.onFinish(plan, network));
            return plan;
        } finally {
            indexed.unpersist(false);
        }
    }

    private void trainEpoch(JavaSparkContext sc, Network network, JavaPairRDD<Long, Example> indexed,
            TrainingPlan plan, int epoch) {
        long started = System.nanoTime();
        String group = "onecycle-epoch-" + epoch;
        sc.setJobGroup(group, "1cycle epoch " + epoch + ": spreading data", false);
        Broadcast<int[]> positions = sc.broadcast(DataSpread.positions(seed, epoch,
                Math.toIntExact(plan.examples())));
        JavaRDD<WorkerShard> shards = DataSpread.shards(indexed, positions, workers, batchSizePerWorker);
        shards.persist(StorageLevel.MEMORY_AND_DISK_SER());
        double lossSum = 0;
        long minibatches = 0;
        try {
            int ipe = plan.slice().itersPerEpoch();
            int rounds = plan.roundsPerEpoch();
            for (int round = 0; round < rounds; round++) {
                int first = round * averagingFrequency;
                RoundState state = new RoundState(policy, plan.slice(), epoch, round, first,
                        Math.min(ipe, first + averagingFrequency), seed);
                sc.setJobGroup(group, "1cycle epoch " + epoch + " round " + (round + 1) + "/" + rounds
                        + " (iterations " + state.firstIteration() + ".." + (state.iterationOf(state.endStep()) - 1)
                        + ")", false);
                List<RoundResult> results = trainRound(sc, network, shards, state);
                List<AppliedStep> applied = new ArrayList<>();
                double roundLoss = 0;
                long roundBatches = 0;
                for (RoundResult r : results) {
                    applied.addAll(r.steps());
                    roundLoss += r.scoreSum();
                    roundBatches += r.batches();
                }
                applied.sort(Comparator.comparingLong(AppliedStep::iteration).thenComparingInt(AppliedStep::worker));
                lossSum += roundLoss;
                minibatches += roundBatches;
                network.setIterationCount(state.iterationOf(state.endStep()));
                double meanScore = roundBatches == 0 ? Double.NaN : roundLoss / roundBatches;
                for (TrainingObserver o : observers) {
                    o.onRound(plan, state, applied, meanScore);
                }
            }
        } finally {
            shards.unpersist(false);
            positions.destroy();
            sc.clearJobGroup();
        }
        network.setEpochCount(epoch + 1);
        EpochSummary summary = new EpochSummary(epoch, (long) (epoch + 1) * plan.slice().itersPerEpoch(),
                minibatches == 0 ? Double.NaN : lossSum / minibatches, minibatches,
                (System.nanoTime() - started) / 1e9);
        for (TrainingObserver o : observers) {
            o.onEpoch(plan, summary, network);
        }
    }

    /** Broadcasts network and schedule state, trains one round on every worker, averages in worker order. */
    private List<RoundResult> trainRound(JavaSparkContext sc, Network network, JavaRDD<WorkerShard> shards,
            RoundState state) {
        NetBroadcastTuple tuple = network.toBroadcast();
        Broadcast<NetBroadcastTuple> netBc = sc.broadcast(new NetBroadcastTuple(
                tuple.getConfiguration(), tuple.getGraphConfiguration(), tuple.getParameters().dup(),
                tuple.getUpdaterState() == null ? null : tuple.getUpdaterState().dup()));
        Broadcast<RoundState> stateBc = sc.broadcast(state);
        try {
            List<RoundResult> results = new ArrayList<>(
                    shards.mapPartitionsWithIndex(new RoundTrainer(netBc, stateBc), true).collect());
            results.sort(Comparator.comparingInt(RoundResult::worker));
            average(network, results);
            return results;
        } finally {
            netBc.destroy();
            stateBc.destroy();
        }
    }

    /**
     * Sets the network's parameters and updater state to the mean over the workers that trained in the round,
     * summed in worker order (float addition is not associative: a fixed order makes runs reproducible).
     */
    static void average(Network network, List<RoundResult> inWorkerOrder) {
        INDArray params = null;
        INDArray updater = null;
        int n = 0;
        for (RoundResult r : inWorkerOrder) {
            if (r.batches() == 0) {
                continue;
            }
            params = params == null ? r.params().dup() : params.addi(r.params());
            if (r.updaterState() != null) {
                updater = updater == null ? r.updaterState().dup() : updater.addi(r.updaterState());
            }
            n++;
        }
        if (n == 0) {
            return;
        }
        network.setParams(params.divi(n));
        if (updater != null) {
            network.updaterState().assign(updater.divi(n));
        }
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
