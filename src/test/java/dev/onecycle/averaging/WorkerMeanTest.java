package dev.onecycle.averaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.onecycle.worker.RoundResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

class WorkerMeanTest {

    private static List<float[]> states(int workers, int length, long seed) {
        Random r = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            float[] s = new float[length];
            for (int i = 0; i < length; i++) {
                s[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(6) - 3));
            }
            out.add(s);
        }
        return out;
    }

    @Test
    void withOneGroupTheMeanIsTheLeftToRightSumDividedByTheWorkers() {
        List<float[]> s = states(3, 50, 1);
        float[] mean = WorkerMean.mean(s, 3);
        for (int i = 0; i < 50; i++) {
            assertEquals(((s.get(0)[i] + s.get(1)[i]) + s.get(2)[i]) / 3f, mean[i], 0f);
        }
    }

    @Test
    void groupsOfConsecutiveWorkersAreSummedFirstThenInGroupOrder() {
        List<float[]> s = states(5, 50, 2);
        float[] mean = WorkerMean.mean(s, 2);
        for (int i = 0; i < 50; i++) {
            float g0 = s.get(0)[i] + s.get(1)[i];
            float g1 = s.get(2)[i] + s.get(3)[i];
            float g2 = s.get(4)[i];
            assertEquals(((g0 + g1) + g2) / 5f, mean[i], 0f);
        }
    }

    @Test
    void executorGroupSumsThenTheDriversSumEqualTheMeanComputedInOnePlace() {
        List<float[]> s = states(7, 1000, 3);
        s.set(5, null); // a worker without a minibatch this round
        int fanIn = WorkerMean.fanIn(7, 2);
        assertEquals(3, fanIn);
        List<float[]> partials = new ArrayList<>();
        int trained = 0;
        for (int g = 0; g * fanIn < 7; g++) {
            List<Tuple2<Integer, RoundResult>> members = new ArrayList<>();
            for (int w = Math.min(7, (g + 1) * fanIn) - 1; w >= g * fanIn; w--) { // arrives in any order
                members.add(new Tuple2<>(g, new RoundResult(w, 0, s.get(w), List.of(), s.get(w) == null ? 0 : 1, 0, 0)));
            }
            Iterator<Tuple2<Integer, RoundResult>> it = members.iterator();
            GroupSum sum = GroupSum.of(g, it);
            partials.add(sum.sum());
            trained += sum.trained();
        }
        assertEquals(6, trained);
        assertArrayEquals(WorkerMean.mean(s, fanIn), WorkerMean.divide(WorkerMean.sum(partials), trained));
    }

    /** The one-pass mean of two workers equals the copy-add-divide of sum and divide, bitwise, signed zeros included. */
    @Test
    void twoWorkersOnePassMeanIsBitwiseTheSumThenDivide() {
        List<float[]> s = states(2, 1000, 4);
        s.get(0)[0] = -0f;
        s.get(1)[0] = -0f; // -0 + -0 = -0: a mean that started from 0 would say +0
        s.get(0)[1] = Float.MAX_VALUE;
        s.get(1)[1] = Float.MAX_VALUE; // overflows to +inf in float, as the sum does
        s.get(0)[2] = Float.NaN;
        float[] mean = WorkerMean.mean(s, 2);
        float[] reference = WorkerMean.divide(WorkerMean.sum(s), 2);
        for (int i = 0; i < mean.length; i++) {
            assertEquals(Float.floatToRawIntBits(reference[i]), Float.floatToRawIntBits(mean[i]), "value " + i);
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(mean[0]));
        // three workers of which one did not train: the same two-worker mean
        List<float[]> three = new ArrayList<>(Arrays.asList(s.get(0), null, s.get(1)));
        assertArrayEquals(mean, WorkerMean.mean(three, 3));
    }

    @Test
    void noWorkerTrainedMeansNoMean() {
        assertNull(WorkerMean.mean(Arrays.asList(null, null), 2));
    }

    @Test
    void aRerunBarrierStageAttemptReplacesOlderOnesNeverTheOtherWayRound() {
        org.junit.jupiter.api.Assertions.assertTrue(AveragingEndpoint.older("12.0", "12.1"));
        org.junit.jupiter.api.Assertions.assertTrue(AveragingEndpoint.older("9.3", "12.0"), "numbers, not text");
        org.junit.jupiter.api.Assertions.assertFalse(AveragingEndpoint.older("12.1", "12.0"));
        org.junit.jupiter.api.Assertions.assertFalse(AveragingEndpoint.older("13.0", "12.4"));
    }

    @Test
    void fanInFollowsTheDepth() {
        assertEquals(2, WorkerMean.fanIn(2, 2));
        assertEquals(8, WorkerMean.fanIn(8, 1));
        assertEquals(2, WorkerMean.fanIn(4, 2));
        assertEquals(4, WorkerMean.fanIn(16, 2));
        assertEquals(3, WorkerMean.fanIn(27, 3));
    }
}
