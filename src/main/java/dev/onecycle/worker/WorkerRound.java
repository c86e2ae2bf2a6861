package dev.onecycle.worker;

import dev.onecycle.dl4j.AppliedScheduleRecorder;
import dev.onecycle.dl4j.Network;
import java.util.List;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's part of one averaging round, the same on both paths (a Spark job per round, or rounds inside
 * a barrier stage): this round's minibatches of the worker's shard, each at its cycle iteration, with the
 * worker's random numbers seeded by (seed, epoch, round, worker) so nothing depends on where or how often it
 * runs.
 */
final class WorkerRound {
    private WorkerRound() {
    }

    /**
     * Trains {@code round}'s steps of {@code shard} on {@code net}; the result holds the state after them.
     * {@code device} (the task's {@code TaskDevice} label) is recorded with every step.
     */
    static RoundResult train(Network net, WorkerShard shard, RoundSteps round, String device) {
        AppliedScheduleRecorder recorder = new AppliedScheduleRecorder(shard.worker(), round.round(), device);
        net.addListener(recorder);
        Nd4j.getRandom().setSeed(Seeds.mix(round.seed(), round.epoch(), round.round(), shard.worker()));
        int batches = 0;
        double scoreSum = 0;
        long started = System.nanoTime();
        try {
            int last = Math.min(round.endStep(), shard.numBatches());
            for (int step = round.firstStep(); step < last; step++) {
                net.setIterationCount(round.iterationOf(step));
                net.setEpochCount(round.epoch());
                net.fit(shard.batch(step));
                scoreSum += net.model().score();
                batches++;
            }
        } finally {
            net.removeListeners();
        }
        return new RoundResult(shard.worker(), round.round(), batches == 0 ? null : NetworkState.of(net).values,
                List.copyOf(recorder.steps()), batches, scoreSum, System.nanoTime() - started);
    }
}
