package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.onecycle.RoundTrip;
import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleStyle;
import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.ShardPiece;
import dev.onecycle.worker.WorkerShard;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** Everything the driver ships to executors survives Java serialisation (what Spark broadcasts use). */
class ShippedObjectsTest {
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.2).optStyle(OneCycleStyle.PYTORCH)
            .optThreePhase(true).optPctStart(0.25).build();

    @Test
    void roundStateRoundTripsWithEveryField() {
        RoundState state = new RoundState(POLICY, CycleSlice.rest(10, 3, 17), 4, 2, 8, 12, -99L);
        RoundState back = RoundTrip.javaSerialize(state);
        assertEquals(state, back);
        assertNotNull(back.policy());
        assertEquals(POLICY.schedule(back.slice()).lr(back.firstIteration()),
                POLICY.schedule(state.slice()).lr(state.firstIteration()), 0.0);
        assertEquals(4 * 17 + 8, back.firstIteration());
    }

    @Test
    void workerShardAssembledFromPiecesPutsEveryRowAtItsSlotAndRoundTrips() {
        Network net = FashionMlp.create(5, 3, 2, 1);
        ExampleBlock block = ExampleBlock.pack(List.of(new DataSet(
                org.nd4j.linalg.factory.Nd4j.create(new float[] {1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 0, 1, 0, 0}, new long[] {3, 5}, 'c'),
                org.nd4j.linalg.factory.Nd4j.create(new float[] {1, 0, 0, 1, 1, 0}, new long[] {3, 2}, 'c'))).iterator());
        assertEquals(3, block.count);
        // positions 2, 0, 1 over one worker: row 0 goes to slot 2, row 1 to slot 0, row 2 to slot 1
        List<scala.Tuple2<Integer, ShardPiece>> pieces = DataSpread.cut(block, 0, new int[] {2, 0, 1}, 1);
        assertEquals(1, pieces.size());
        WorkerShard shard = WorkerShard.assemble(0, List.of(pieces.get(0)._2()).iterator(), 2);
        WorkerShard back = RoundTrip.javaSerialize(shard);
        assertEquals(2, back.numBatches());
        assertArrayEquals(new float[] {5, 4, 3, 2, 1, 0, 0, 1, 0, 0}, shard.batch(0).getFeatures().dup().data().asFloat());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, back.batch(1).getFeatures().dup().data().asFloat());
        assertArrayEquals(new float[] {1, 0}, back.batch(1).getLabels().dup().data().asFloat());
        DataSet a = shard.batch(1);
        DataSet b = back.batch(1);
        assertArrayEquals(a.getFeatures().dup().data().asFloat(), b.getFeatures().dup().data().asFloat());
        assertArrayEquals(a.getLabels().dup().data().asFloat(), b.getLabels().dup().data().asFloat());
        assertEquals(net.score(shard.batch(0)), net.score(back.batch(0)), 0.0);
    }

    @Test
    void aShardPieceRoutesEachRowToWorkerPositionModWorkers() {
        ExampleBlock block = ExampleBlock.pack(List.of(new DataSet(
                org.nd4j.linalg.factory.Nd4j.create(new float[] {10, 11, 12, 13}, new long[] {4, 1}, 'c'),
                org.nd4j.linalg.factory.Nd4j.create(new float[] {0, 1, 2, 3}, new long[] {4, 1}, 'c'))).iterator());
        // block rows are global examples 5..8; positions of 0..8
        int[] positions = {0, 1, 2, 3, 4, 7, 6, 5, 8};
        List<scala.Tuple2<Integer, ShardPiece>> pieces = DataSpread.cut(block, 5, positions, 2);
        assertEquals(2, pieces.size());
        ShardPiece w0 = pieces.get(0)._2();
        ShardPiece w1 = pieces.get(1)._2();
        assertEquals(0, pieces.get(0)._1());
        assertArrayEquals(new int[] {3, 4}, w0.slots()); // positions 6, 8
        assertArrayEquals(new float[] {11, 13}, w0.features());
        assertArrayEquals(new int[] {3, 2}, w1.slots()); // positions 7, 5
        assertArrayEquals(new float[] {10, 12}, w1.features());
    }

    @Test
    void networkStateRoundTripsParametersAndUpdaterStateExactly() {
        Network a = FashionMlp.create(5, 3, 2, 1);
        Network b = FashionMlp.create(5, 3, 2, 2);
        a.updaterState().assign(org.nd4j.linalg.factory.Nd4j.rand(a.updaterState().dataType(), a.updaterState().shape()));
        NetworkState s = RoundTrip.javaSerialize(NetworkState.of(a));
        s.applyTo(b);
        assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector());
        assertArrayEquals(a.updaterState().toFloatVector(), b.updaterState().toFloatVector());
        assertEquals(a.paramsSha256(), b.paramsSha256());
    }

    @Test
    void trainingPlanRoundTrips() {
        TrainingPlan plan = new TrainingPlan(POLICY, CycleSlice.full(4, 9), 123, 2, 16, 5, 7);
        assertEquals(plan, RoundTrip.javaSerialize(plan));
        assertEquals(2, plan.roundsPerEpoch());
        // with the settings a job passes along for its checkpoints (every type of declared setting)
        dev.onecycle.settings.SettingValues others = dev.onecycle.settings.SettingValues.empty()
                .with(dev.onecycle.settings.Settings.MOMS, new dev.onecycle.settings.MomentumPair(0.9, 0.8))
                .with(dev.onecycle.settings.Settings.CHECKPOINT_INTERVAL, java.time.Duration.ofSeconds(30))
                .with(dev.onecycle.settings.Settings.AVERAGING, AveragingPath.BARRIER)
                .with(dev.onecycle.settings.Settings.CHECKPOINT_DIR, "hdfs:///c")
                .with(dev.onecycle.settings.Settings.RESUME, true);
        TrainingPlan withOthers = new TrainingPlan(POLICY, CycleSlice.full(4, 9), 123, 2, 16, 5, 7, others);
        assertEquals(withOthers, RoundTrip.javaSerialize(withOthers));
        assertEquals(plan.settings(), new TrainingPlan(POLICY, CycleSlice.full(4, 9), 123, 2, 16, 5, 7,
                dev.onecycle.settings.SettingValues.empty().with(dev.onecycle.settings.Settings.SEED, 99L)).settings(),
                "the trainer's own parameters take precedence over the values passed along");
    }
}
