package dev.onecycle.worker;

import dev.onecycle.dl4j.Network;
import dev.onecycle.gpu.TaskDevice;
import java.util.Iterator;
import java.util.function.Supplier;

/**
 * The one entry of every executor task that trains (whatever the averaging): bind the task's device before any
 * array, take the task's single {@link WorkerShard}, set ND4J's threads to the task's cores, take the worker's
 * network from the executor's cache (or build it from the spec) and set it to the state the job starts from.
 * Then {@link #train} a round at a time, {@link #apply} the averaged state between rounds, and once done
 * {@link #giveBack} the network for the worker's next job (a task that fails keeps it: the next builds one).
 *
 * <pre>{@code
 * WorkerTask task = WorkerTask.open(partition, shards, spec::value).start(input.value().start());
 * RoundResult r = task.train(round);
 * task.giveBack();
 * }</pre>
 */
public final class WorkerTask {
    private final NetworkSpec spec;
    private final WorkerShard shard;
    private final String device;
    private Network network;

    private WorkerTask(NetworkSpec spec, WorkerShard shard, String device) {
        this.spec = spec;
        this.shard = shard;
        this.device = device;
    }

    /**
     * Binds this task's device (Spark's GPU for it, before any array), takes the partition's one shard and uses
     * the task's cores; {@code spec} is read after the binding (its broadcast value holds no arrays).
     */
    public static WorkerTask open(int partition, Iterator<WorkerShard> shards,
            Supplier<NetworkSpec> spec) {
        String device = TaskDevice.bindCurrentTask(); // before any array: Spark's GPU for this task
        WorkerShard shard = single(partition, shards);
        TaskThreads.useTaskCpus();
        return new WorkerTask(spec.get(), shard, device);
    }

    /** Takes the worker's network (cached, or built from the spec) and sets it to {@code state}. */
    public WorkerTask start(NetworkState state) {
        network = WorkerNetworks.take(spec, shard.worker(), device, state);
        state.applyTo(network);
        return this;
    }

    public int worker() {
        return shard.worker();
    }

    public NetworkSpec spec() {
        return spec;
    }

    /** Trains {@code round}'s minibatches of the shard; the result holds the worker's state after them. */
    public RoundResult train(RoundSteps round) {
        return WorkerRound.train(network, shard, round, device);
    }

    /** Sets the worker's network to the averaged state {@code mean} (parameters then updater state). */
    public void apply(float[] mean) {
        new NetworkState(spec.paramCount(), mean).applyTo(network);
    }

    /** The network's state now. */
    public NetworkState state() {
        return NetworkState.of(network);
    }

    /** Gives the network back to the executor's cache for the worker's next job. */
    public void giveBack() {
        if (network != null) {
            WorkerNetworks.give(spec, shard.worker(), device, network);
            network = null;
        }
    }

    private static WorkerShard single(int partition, Iterator<WorkerShard> shards) {
        WorkerShard shard = shards.next();
        if (shards.hasNext()) { // also ends the cached block's iterator, which releases Spark's read lock
            throw new IllegalStateException("partition " + partition + " holds more than one worker shard");
        }
        return shard;
    }
}
