package dev.onecycle.averaging;

import dev.onecycle.worker.NetworkSpec;
import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.RoundResult;
import dev.onecycle.worker.RoundSteps;
import dev.onecycle.worker.WorkerShard;
import java.util.List;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * How one fit's workers train rounds and average their states (the trainer's seam, like DJL's
 * {@code ParameterServer}): the trainer hands it the next rounds and the state they start from, and gets back
 * the averaged state after the last of them and what each worker did in each round. Every strategy trains each
 * round with {@code WorkerTask} and sums states in {@link WorkerMean}'s fixed order, so all give bitwise the
 * same result; they differ in how many Spark jobs and where the sums are made. The strategies are registered
 * in {@link AveragingPath}.
 */
public interface Averaging {

    /** The most rounds one job may train now (1: a Spark job per round). */
    int maxRounds();

    /**
     * Submits {@code rounds} (consecutive, of one epoch, at most {@link #maxRounds}) on {@code shards}, every
     * worker starting from {@code start}; returns at once.
     */
    Job submit(JavaRDD<WorkerShard> shards, List<RoundSteps> rounds, NetworkState start);

    /** Told after each job: it trained {@code rounds} rounds in {@code nanos} (a strategy may size its next jobs). */
    default void jobTook(int rounds, long nanos) {
    }

    /** A submitted job. */
    interface Job {
        /** Waits for the job through {@code waiter} (which turns a cancel into the trainer's exception). */
        Averaged await(Waiter waiter);

        /** Cancels the job (after a failure elsewhere); its broadcast is left to Spark's cleaner. */
        void cancel();
    }

    /** Waits for a Spark job of the fit. */
    interface Waiter {
        <T> T await(JavaFutureAction<T> job);
    }

    /**
     * What a job gives: the averaged state after its last round ({@code null} when no worker trained: the
     * state is unchanged), and for each of its rounds every worker's result without its state, in worker order.
     */
    record Averaged(NetworkState state, List<List<RoundResult>> rounds) {
    }

    /**
     * What a strategy is started with for one fit: the Spark context, the workers' network spec, the workers,
     * the levels of the fixed-order sum (MLlib's {@code aggregationDepth}), the fit's {@link AveragingEndpoint}
     * and the rounds per job asked for (0: the strategy's choice).
     */
    record Context(JavaSparkContext sc, Broadcast<NetworkSpec> spec, int workers, int aggregationDepth,
            AveragingEndpoint endpoint, int roundsPerJob) {

        /** The group size of the fixed-order sum ({@link WorkerMean#fanIn}). */
        int fanIn() {
            return WorkerMean.fanIn(workers, aggregationDepth);
        }
    }
}
