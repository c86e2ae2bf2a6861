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
import org.apache.spark.rdd.RDD;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * {@link AveragingPath#BARRIER}: several rounds as one Spark job in barrier execution mode
 * ({@link BarrierSegmentTrainer} on every worker, all at once); after each round the workers average among
 * themselves through the driver's {@link AveragingEndpoint}. Without a fixed rounds-per-job, jobs are sized to
 * last about {@link #TARGET_JOB_SECONDS} (progress, cancel and checkpoints stay timely).
 */
final class BarrierAveraging implements Averaging {
    /** {@link AveragingPath#AUTO} takes this path only while each worker receives at most this much per round. */
    static final long MAX_GATHER_BYTES = 64L << 20;
    /** Without a fixed rounds-per-job, jobs are sized to last about this long (progress, cancel, checkpoints). */
    static final double TARGET_JOB_SECONDS = 2.0;
    static final int MAX_ROUNDS_PER_JOB = 512;
    /** The rounds of the first job when none are asked for. */
    static final int FIRST_ROUNDS_PER_JOB = 4;

    private final Context context;
    private final int fanIn;
    private int roundsPerJob;

    BarrierAveraging(Context context) {
        this.context = context;
        this.fanIn = context.fanIn();
        this.roundsPerJob = context.roundsPerJob() > 0 ? context.roundsPerJob() : FIRST_ROUNDS_PER_JOB;
    }

    /** Why the barrier path cannot run on {@code c}, or null. */
    static String refusal(Cluster c) {
        if (c.dynamicAllocation()) {
            return "barrier cannot run with dynamic allocation (Spark's barrier mode refuses it); set "
                    + "spark.dynamicAllocation.enabled=false or use averaging driver/auto";
        }
        if (c.taskSlots() < c.workers()) {
            return "barrier needs a free task slot per worker (" + c.workers() + "), the cluster has " + c.taskSlots()
                    + "; use fewer workers or averaging driver/auto";
        }
        return null;
    }

    /** For {@link AveragingPath#AUTO}: every worker receives all states each round, so only while they are small. */
    static boolean suits(Cluster c) {
        return c.stateBytes() >= 0 && (long) c.workers() * c.stateBytes() <= MAX_GATHER_BYTES;
    }

    @Override
    public int maxRounds() {
        return roundsPerJob;
    }

    /** Without a fixed {@code roundsPerJob}: jobs of about {@link #TARGET_JOB_SECONDS} each. */
    @Override
    public void jobTook(int rounds, long nanos) {
        if (context.roundsPerJob() > 0) {
            return;
        }
        double perRound = nanos / 1e9 / rounds;
        roundsPerJob = (int) Math.max(1, Math.min(MAX_ROUNDS_PER_JOB, Math.round(TARGET_JOB_SECONDS / perRound)));
    }

    @Override
    public Job submit(JavaRDD<WorkerShard> shards, List<RoundSteps> states, NetworkState start) {
        Broadcast<SegmentInput> input = context.sc().broadcast(new SegmentInput(states, start, fanIn,
                context.endpoint().name()));
        RDD<SegmentResult> job = shards.rdd().barrier().mapPartitions(
                new BarrierSegmentTrainer(context.spec(), input), true, ClassTag$.MODULE$.apply(SegmentResult.class));
        // The barrier stage must be a shuffle map stage: Spark reruns a failed barrier ShuffleMapStage whole, but
        // aborts the job when a barrier ResultStage fails ("Could not recover from a failed barrier ResultStage").
        JavaFutureAction<List<SegmentResult>> future = JavaPairRDD
                .fromJavaRDD(job.toJavaRDD().map(r -> new Tuple2<>(r.worker(), r)))
                .partitionBy(new HashPartitioner(1)).values().collectAsync();
        return new Job() {
            @Override
            public Averaged await(Waiter waiter) {
                try {
                    List<SegmentResult> results = new ArrayList<>(waiter.await(future));
                    results.sort(Comparator.comparingInt(SegmentResult::worker));
                    List<List<RoundResult>> byRound = new ArrayList<>();
                    for (int i = 0; i < states.size(); i++) {
                        List<RoundResult> round = new ArrayList<>(results.size());
                        for (SegmentResult r : results) {
                            round.add(r.rounds().get(i));
                        }
                        byRound.add(round);
                    }
                    return new Averaged(results.get(0).end(), byRound);
                } finally {
                    JobInputs.releaseIfDone(input, future);
                }
            }

            @Override
            public void cancel() {
                future.cancel(true); // its broadcast is left to Spark's cleaner: killed tasks may still read it
            }
        };
    }
}
