package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedScheduleRecorder;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleUpdaters;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The executor side of one averaging round: rebuild the driver's network from the broadcast, take the
 * partial-1cycle state from the broadcast, train this worker's minibatches of the round at their cycle
 * iterations, and return parameters, updater state and the applied schedule.
 */
final class RoundTrainer implements Function2<Integer, Iterator<WorkerShard>, Iterator<RoundResult>> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<NetBroadcastTuple> network;
    private final Broadcast<RoundState> state;

    RoundTrainer(Broadcast<NetBroadcastTuple> network, Broadcast<RoundState> state) {
        this.network = network;
        this.state = state;
    }

    @Override
    public Iterator<RoundResult> call(Integer partition, Iterator<WorkerShard> shards) {
        String device = dev.onecycle.gpu.TaskDevice.bindCurrentTask(); // before any array: Spark's GPU for this task
        WorkerShard shard = shards.next();
        if (shards.hasNext()) { // also ends the cached block's iterator, which releases Spark's read lock
            throw new IllegalStateException("partition " + partition + " holds more than one worker shard");
        }
        RoundState st = state.value();
        Network net = Network.fromBroadcast(network.value());
        OneCycleUpdaters.install(net, st.policy(), st.slice());
        AppliedScheduleRecorder recorder = new AppliedScheduleRecorder(shard.worker(), st.round(), device);
        net.addListener(recorder);
        Nd4j.getRandom().setSeed(Seeds.mix(st.seed(), st.epoch(), st.round(), shard.worker()));
        int batches = 0;
        double scoreSum = 0;
        int last = Math.min(st.endStep(), shard.numBatches());
        for (int step = st.firstStep(); step < last; step++) {
            net.setIterationCount(st.iterationOf(step));
            net.setEpochCount(st.epoch());
            net.fit(shard.batch(step));
            scoreSum += net.model().score();
            batches++;
        }
        net.removeListeners();
        return List.of(new RoundResult(shard.worker(), net.params().dup(),
                net.updaterState() == null ? null : net.updaterState().dup(), List.copyOf(recorder.steps()), batches, scoreSum))
                .iterator();
    }
}
