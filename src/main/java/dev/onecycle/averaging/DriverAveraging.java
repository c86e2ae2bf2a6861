package dev.onecycle.averaging;

import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.RoundResult;
import dev.onecycle.worker.RoundSteps;
import dev.onecycle.worker.WorkerShard;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * {@link AveragingPath#DRIVER}: one round as one Spark job ({@link RoundTrainer} on every worker); the driver
 * sums the workers' states itself, or past {@code fanIn} workers executors first sum groups of consecutive
 * workers ({@link GroupSum}) and the driver adds the group sums, in {@link WorkerMean}'s order.
 */
final class DriverAveraging implements Averaging {
    private final Context context;
    private final int fanIn;

    DriverAveraging(Context context) {
        this.context = context;
        this.fanIn = context.fanIn();
    }

    @Override
    public int maxRounds() {
        return 1;
    }

    @Override
    public Job submit(JavaRDD<WorkerShard> shards, List<RoundSteps> rounds, NetworkState start) {
        RoundSteps state = rounds.get(0);
        Broadcast<RoundInput> input = context.sc().broadcast(new RoundInput(state, start));
        JavaRDD<RoundResult> trained = shards.mapPartitionsWithIndex(new RoundTrainer(context.spec(), input), true);
        int groups = (context.workers() + fanIn - 1) / fanIn;
        int f = fanIn;
        // one group: the driver sums the workers' states itself; more: executors sum groups of workers first
        JavaFutureAction<List<RoundResult>> direct = groups == 1 ? trained.collectAsync() : null;
        JavaFutureAction<List<GroupSum>> tree = groups == 1 ? null
                : JavaPairRDD.fromJavaRDD(trained.map(r -> new Tuple2<>(r.worker() / f, r)))
                        .partitionBy(new HashPartitioner(groups))
                        .mapPartitionsWithIndex((g, it) -> List.of(GroupSum.of(g, it)).iterator(), true)
                        .collectAsync();
        return new Job() {
            @Override
            public Averaged await(Waiter waiter) {
                try {
                    List<RoundResult> results = new ArrayList<>();
                    float[] mean;
                    if (direct != null) {
                        List<RoundResult> all = new ArrayList<>(waiter.await(direct));
                        all.sort(Comparator.comparingInt(RoundResult::worker));
                        List<float[]> states = new ArrayList<>();
                        for (RoundResult r : all) {
                            states.add(r.state());
                            results.add(r.withoutState());
                        }
                        mean = WorkerMean.mean(states, fanIn);
                    } else {
                        List<GroupSum> sums = new ArrayList<>(waiter.await(tree));
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
                    NetworkState averaged = mean == null ? null
                            : new NetworkState(context.spec().value().paramCount(), mean);
                    return new Averaged(averaged, List.of(results));
                } finally {
                    JobInputs.releaseIfDone(input, direct != null ? direct : tree);
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
}
