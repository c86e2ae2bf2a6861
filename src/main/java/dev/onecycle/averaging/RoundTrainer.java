package dev.onecycle.averaging;

import dev.onecycle.worker.NetworkSpec;
import dev.onecycle.worker.RoundResult;
import dev.onecycle.worker.WorkerShard;
import dev.onecycle.worker.WorkerTask;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * The executor side of one round on the driver path: this worker's task ({@link WorkerTask}) set to the round's
 * averaged state trains the round and returns the state and the applied schedule.
 */
final class RoundTrainer implements Function2<Integer, Iterator<WorkerShard>, Iterator<RoundResult>> {
    private static final long serialVersionUID = 2L;

    private final Broadcast<NetworkSpec> spec;
    private final Broadcast<RoundInput> input;

    RoundTrainer(Broadcast<NetworkSpec> spec, Broadcast<RoundInput> input) {
        this.spec = spec;
        this.input = input;
    }

    @Override
    public Iterator<RoundResult> call(Integer partition, Iterator<WorkerShard> shards) {
        WorkerTask task = WorkerTask.open(partition, shards, spec::value);
        RoundInput in = input.value();
        RoundResult result = task.start(in.start()).train(in.round());
        task.giveBack();
        return List.of(result).iterator();
    }
}
