package dev.onecycle.averaging;

import dev.onecycle.worker.NetworkSpec;
import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.RoundResult;
import dev.onecycle.worker.RoundSteps;
import dev.onecycle.worker.WorkerShard;
import dev.onecycle.worker.WorkerTask;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;

/**
 * The executor side of the barrier path: one Spark job trains several rounds. All workers run at once (Spark's
 * barrier execution mode); after each round every worker sends its state to
 * the driver's {@link AveragingEndpoint}, which replies the {@link WorkerMean} of all of them in worker order:
 * bitwise the result of the job-per-round path. A failed task fails the whole stage, which Spark reruns from the
 * segment's start state: the same result again.
 */
final class BarrierSegmentTrainer extends AbstractFunction1<Iterator<WorkerShard>, Iterator<SegmentResult>>
        implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Broadcast<NetworkSpec> spec;
    private final Broadcast<SegmentInput> input;

    BarrierSegmentTrainer(Broadcast<NetworkSpec> spec, Broadcast<SegmentInput> input) {
        this.spec = spec;
        this.input = input;
    }

    @Override
    public Iterator<SegmentResult> apply(Iterator<WorkerShard> shards) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        WorkerTask task = WorkerTask.open(ctx.partitionId(), JavaConverters.asJavaIterator(shards), spec::value);
        SegmentInput in = input.value();
        task.start(in.start());
        List<RoundResult> rounds = new ArrayList<>();
        String attempt = ctx.stageId() + "." + ctx.stageAttemptNumber();
        float[] mean = null;
        for (RoundSteps round : in.rounds()) {
            ctx.killTaskIfInterrupted();
            RoundResult r = task.train(round);
            mean = AveragingEndpoint.average(in.endpoint(), new AverageRequest(attempt, round.firstIteration(),
                    task.worker(), ctx.numPartitions(), in.fanIn(), new Floats(r.state())));
            if (mean != null) {
                task.apply(mean);
            }
            rounds.add(r.withoutState());
        }
        NetworkState end = task.worker() != 0 ? null
                : mean != null ? new NetworkState(task.spec().paramCount(), mean) : task.state();
        task.giveBack();
        List<SegmentResult> out = List.of(new SegmentResult(task.worker(), rounds, end));
        return JavaConverters.asScalaIterator(out.iterator());
    }
}
