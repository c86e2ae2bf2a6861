package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.onecycle.RoundTrip;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleStyle;
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
    void workerShardAndItsMinibatchesRoundTrip() {
        Network net = FashionMlp.create(5, 3, 2, 1);
        List<Example> examples = List.of(new Example(new float[] {1, 2, 3, 4, 5}, new long[] {5}, new float[] {1, 0}),
                new Example(new float[] {5, 4, 3, 2, 1}, new long[] {5}, new float[] {0, 1}),
                new Example(new float[] {0, 0, 1, 0, 0}, new long[] {5}, new float[] {1, 0}));
        WorkerShard shard = new WorkerShard(1, examples, 2);
        WorkerShard back = RoundTrip.javaSerialize(shard);
        assertEquals(2, back.numBatches());
        DataSet a = shard.batch(1);
        DataSet b = back.batch(1);
        assertArrayEquals(a.getFeatures().toFloatVector(), b.getFeatures().toFloatVector());
        assertArrayEquals(a.getLabels().toFloatVector(), b.getLabels().toFloatVector());
        assertEquals(net.score(shard.batch(0)), net.score(back.batch(0)), 0.0);
    }

    @Test
    void trainingPlanRoundTrips() {
        TrainingPlan plan = new TrainingPlan(POLICY, CycleSlice.full(4, 9), 123, 2, 16, 5, 7);
        assertEquals(plan, RoundTrip.javaSerialize(plan));
        assertEquals(2, plan.roundsPerEpoch());
    }
}
