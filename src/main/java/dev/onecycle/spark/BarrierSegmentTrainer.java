package dev.onecycle.spark;

import dev.onecycle.dl4j.Network;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import scala.collection.JavaConverters;

/**
 * The executor side of the barrier path: one Spark job trains several rounds. All workers run at once (Spark's
 * barrier execution mode); after each round every worker sends its state to
 * the driver's {@link AveragingEndpoint}, which replies the {@link WorkerMean} of all of them in worker order:
 * bitwise the result of the job-per-round path. A failed task fails the whole stage, which Spark reruns from the
 * segment's start state: the same result again.
 */
final class BarrierSegmentTrainer
        extends scala.runtime.AbstractFunction1<scala.collection.Iterator<WorkerShard>, scala.collection.Iterator<SegmentResult>>
        implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final Broadcast<NetworkSpec> spec;
    private final Broadcast<SegmentInput> input;

    BarrierSegmentTrainer(Broadcast<NetworkSpec> spec, Broadcast<SegmentInput> input) {
        this.spec = spec;
        this.input = input;
    }

    @Override
    public scala.collection.Iterator<SegmentResult> apply(scala.collection.Iterator<WorkerShard> shards) {
        String device = dev.onecycle.gpu.TaskDevice.bindCurrentTask(); // before any array: Spark's GPU for this task
        BarrierTaskContext ctx = BarrierTaskContext.get();
        WorkerShard shard = RoundTrainer.single(ctx.partitionId(), JavaConverters.asJavaIterator(shards));
        TaskThreads.useTaskCpus();
        NetworkSpec s = spec.value();
        SegmentInput in = input.value();
        Network net = WorkerNetworks.take(s, shard.worker(), device, in.start());
        in.start().applyTo(net);
        List<RoundResult> rounds = new ArrayList<>();
        String attempt = ctx.stageId() + "." + ctx.stageAttemptNumber();
        float[] mean = null;
        for (RoundState round : in.rounds()) {
            ctx.killTaskIfInterrupted();
            RoundResult r = WorkerRound.train(net, shard, round, device);
            mean = AveragingEndpoint.average(in.endpoint(), new AverageRequest(attempt, round.firstIteration(),
                    shard.worker(), ctx.numPartitions(), in.fanIn(), new Floats(r.state())));
            if (mean != null) {
                new NetworkState(s.paramCount, mean).applyTo(net);
            }
            rounds.add(r.withoutState());
        }
        NetworkState end = shard.worker() != 0 ? null
                : mean != null ? new NetworkState(s.paramCount, mean) : NetworkState.of(net);
        WorkerNetworks.give(s, shard.worker(), device, net);
        List<SegmentResult> out = List.of(new SegmentResult(shard.worker(), rounds, end));
        return JavaConverters.asScalaIterator(out.iterator());
    }
}
