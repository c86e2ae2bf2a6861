package dev.onecycle.spark;

import dev.onecycle.dl4j.Network;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * The executor side of one round on the job-per-round path: take this worker's network (cached, or built
 * from the spec broadcast once per fit), set it to the round's averaged state, train the round, return the
 * state and the applied schedule.
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
        String device = dev.onecycle.gpu.TaskDevice.bindCurrentTask(); // before any array: Spark's GPU for this task
        WorkerShard shard = single(partition, shards);
        TaskThreads.useTaskCpus();
        NetworkSpec s = spec.value();
        RoundInput in = input.value();
        Network net = WorkerNetworks.take(s, shard.worker(), device, in.start());
        in.start().applyTo(net);
        RoundResult result = WorkerRound.train(net, shard, in.round(), device);
        WorkerNetworks.give(s, shard.worker(), device, net);
        return List.of(result).iterator();
    }

    static WorkerShard single(int partition, Iterator<WorkerShard> shards) {
        WorkerShard shard = shards.next();
        if (shards.hasNext()) { // also ends the cached block's iterator, which releases Spark's read lock
            throw new IllegalStateException("partition " + partition + " holds more than one worker shard");
        }
        return shard;
    }
}
