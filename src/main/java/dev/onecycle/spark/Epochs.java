package dev.onecycle.spark;

import dev.onecycle.averaging.Averaging;
import dev.onecycle.averaging.AveragingEndpoint;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.RoundResult;
import dev.onecycle.worker.RoundSteps;
import dev.onecycle.worker.WorkerShard;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * The epochs of one fit: the data spread per epoch, the rounds handed to the fit's {@link Averaging} in jobs,
 * each job's averaged state made the driver's network, the observers told in order. The next job is submitted
 * before the observers hear of the previous one, so the driver's own work overlaps training and a job of the fit
 * is active in its group nearly all the time (a group cancel reaches only active jobs). While the observers of
 * an epoch's end run (evaluation, checkpoint copy), a watch job keeps the group's cancel from being lost.
 */
final class Epochs {
    /** How long the end of an epoch waits for its released watch job to finish before cancelling it. */
    static final long WATCH_END_SECONDS = 10;

    private final OneCycleTrainer trainer;
    private final JavaSparkContext sc;
    private final JobGroupScope jobs;
    private final Network network;
    private final ShardSource source;
    private final TrainingPlan plan;
    private final Averaging averaging;
    private final AveragingEndpoint endpoint;
    private long jobSubmitted;
    private long watches;

    Epochs(OneCycleTrainer trainer, JavaSparkContext sc, JobGroupScope jobs, Network network,
            ShardSource source, TrainingPlan plan, Averaging averaging,
            AveragingEndpoint endpoint) {
        this.trainer = trainer;
        this.sc = sc;
        this.jobs = jobs;
        this.network = network;
        this.source = source;
        this.plan = plan;
        this.averaging = averaging;
        this.endpoint = endpoint;
    }

    /** Trains the epoch; true when an observer stopped the fit after one of its rounds (the epoch is cut short). */
    boolean train(int epoch) {
        EpochProgress from = trainer.resumeInEpoch != null && trainer.resumeInEpoch.epoch() == epoch
                ? trainer.resumeInEpoch : new EpochProgress(epoch, 0, 0, 0, 0);
        long started = System.nanoTime() - (long) (from.seconds() * 1e9);
        int rounds = plan.roundsPerEpoch();
        jobs.describe("1cycle epoch " + epoch + ": spreading the data over " + plan.workers() + " workers");
        Broadcast<int[]> positions = sc.broadcast(DataSpread.positions(plan.seed(), epoch,
                Math.toIntExact(plan.examples())));
        JavaRDD<WorkerShard> shards = source.shards(sc, positions, plan.workers(),
                plan.batchSizePerWorker());
        shards.persist(StorageLevel.MEMORY_ONLY());
        long spreadStarted = System.nanoTime();
        jobs.run(epoch, iterationsDone(), shards::count); // the spread, on its own (its cost is reported)
        double spreadSeconds = (System.nanoTime() - spreadStarted) / 1e9;
        double lossSum = from.lossSum();
        long minibatches = from.minibatches();
        long computeNanos = 0;
        int jobsRun = 0;
        Averaging.Job pending = null;
        try {
            List<RoundState> states = rounds(epoch, from.roundsDone());
            pending = submit(shards, states);
            while (pending != null) {
                Averaging.Job job = pending;
                pending = null;
                List<List<RoundResult>> results = averaged(job, epoch);
                jobsRun++;
                averaging.jobTook(states.size(), System.nanoTime() - jobSubmitted);
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
                    for (TrainingObserver o : trainer.observers) {
                        o.onRound(plan, state, applied, meanScore);
                    }
                    if (stopAfter(state)) {
                        if (pending != null) {
                            // the job already submitted runs to its end, unreported: a cancel would log its
                            // killed tasks as WARN lines
                            averaged(pending, epoch);
                        }
                        shards.unpersist(false);
                        positions.destroy();
                        return true;
                    }
                }
                if (last.round() + 1 < rounds) { // the network holds the state after `last` until the next await
                    EpochProgress progress = new EpochProgress(epoch, last.round() + 1, lossSum, minibatches,
                            (System.nanoTime() - started) / 1e9);
                    for (TrainingObserver o : trainer.observers) {
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
            for (TrainingObserver o : trainer.observers) {
                o.onEpoch(plan, summary, network);
            }
        });
        return false;
    }

    /**
     * Waits for {@code job} and makes the workers' averaged state the driver's network (unchanged when no worker
     * trained); returns each of the job's rounds' results.
     */
    private List<List<RoundResult>> averaged(Averaging.Job job, int epoch) {
        Averaging.Averaged done = job.await(new Averaging.Waiter() {
            @Override
            public <T> T await(JavaFutureAction<T> future) {
                return jobs.await(future, epoch, iterationsDone());
            }
        });
        NetworkState mean = done.state();
        if (mean != null) {
            mean.applyTo(network);
        }
        return done.rounds();
    }

    /** True when an observer needs the state after {@code roundsDone} rounds of the epoch. */
    private boolean wanted(int epoch, int roundsDone) {
        for (TrainingObserver o : trainer.observers) {
            if (o.wantsStateAfter(plan, epoch, roundsDone)) {
                return true;
            }
        }
        return false;
    }

    private boolean stopAfter(RoundState state) {
        boolean stop = false;
        for (TrainingObserver o : trainer.observers) {
            stop |= o.stopAfterRound(plan, state);
        }
        return stop;
    }

    /**
     * The rounds of the next job, from {@code first}: as many as the averaging takes per job, ended early at a
     * round an observer needs the state of.
     */
    private List<RoundState> rounds(int epoch, int first) {
        int ipe = plan.slice().itersPerEpoch();
        int f = plan.averagingFrequency();
        int n = Math.min(averaging.maxRounds(), plan.roundsPerEpoch() - first);
        for (int k = 1; k < n; k++) {
            if (wanted(epoch, first + k)) {
                n = k;
                break;
            }
        }
        List<RoundState> states = new ArrayList<>(n);
        for (int r = first; r < first + n; r++) {
            int step = r * f;
            states.add(new RoundState(plan.policy(), plan.slice(), epoch, r, step, Math.min(ipe, step + f),
                    plan.seed()));
        }
        return states;
    }

    private Averaging.Job submit(JavaRDD<WorkerShard> shards, List<RoundState> states) {
        RoundState a = states.get(0);
        RoundState b = states.get(states.size() - 1);
        jobs.checkInterrupted(a.epoch(), iterationsDone());
        jobs.describe("1cycle epoch " + a.epoch() + " round" + (states.size() == 1 ? " " + (a.round() + 1)
                : "s " + (a.round() + 1) + "-" + (b.round() + 1)) + "/" + plan.roundsPerEpoch() + " (iterations "
                + a.firstIteration() + ".." + (b.iterationOf(b.endStep()) - 1) + ")");
        jobSubmitted = System.nanoTime();
        List<RoundSteps> steps = new ArrayList<>(states.size());
        for (RoundState s : states) {
            steps.add(s.steps());
        }
        return averaging.submit(shards, steps, NetworkState.of(network));
    }

    private long iterationsDone() {
        return network.iterationCount();
    }

    /**
     * Runs driver-side work between jobs with a watch job in the group: a one-task job that waits until it
     * is cancelled. A group cancel meanwhile cancels it, and training stops after the work.
     */
    private void watchingForCancel(int epoch, Runnable work) {
        jobs.describe("1cycle epoch " + epoch + ": end of epoch (evaluation, checkpoint)");
        String name = endpoint.name();
        long id = ++watches;
        JavaFutureAction<Void> watch = sc.parallelize(List.of(0), 1)
                .foreachAsync(x -> AveragingEndpoint.watch(name, id));
        try {
            work.run();
        } finally {
            endpoint.releaseWatchers(id);
            boolean groupCancelled = false;
            try {
                watch.get(WATCH_END_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException stillQueued) {
                watch.cancel(true); // never got a task slot: nothing to watch any more
            } catch (Exception e) {
                // cancelled by the group, or lost with an executor (a best-effort watch: only a cancel counts)
                groupCancelled = JobGroupScope.rootMessage(e).contains("part of cancelled job group");
            }
            if (groupCancelled && !Thread.currentThread().isInterrupted()) {
                throw new TrainingCancelledException(jobs.group(), epoch, iterationsDone(), null);
            }
        }
    }
}
