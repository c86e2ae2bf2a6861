package dev.onecycle.schedule;

import static dev.onecycle.schedule.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our schedules against independent ports of the published algorithms (fastai v1's callback, PyTorch's
 * OneCycleLR.get_lr) at every step of the cycle, relative tolerance 1e-12.
 */
class ReferenceScheduleTest {

    static Stream<Case> fastaiCases() {
        List<Case> all = new ArrayList<>(Case.edges(false));
        all.addAll(Case.random(20240611L, 250, false));
        return all.stream();
    }

    static Stream<Case> torchCases() {
        List<Case> all = new ArrayList<>(Case.edges(false));
        all.addAll(Case.edges(true));
        all.addAll(Case.random(77L, 250, false));
        all.addAll(Case.random(78L, 150, true));
        return all.stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("fastaiCases")
    void fastaiStyleMatchesReferenceCallbackAtEveryIteration(Case c) {
        FastaiReference.Run ref = FastaiReference.run(c.lrMax(), c.divFactor(), c.pctStart(), c.finalDiv(),
                c.maxMom(), c.baseMom(), Anneal.of(c.annealing()), c.itersPerEpoch(), c.epochs());
        assertEquals(c.n(), ref.lr().length, "the reference callback must train every batch");
        OneCyclePolicy policy = c.policy(OneCycleStyle.FASTAI);
        OneCycleSchedule byLength = policy.over(c.n());
        OneCycleSchedule bySlice = policy.schedule(CycleSlice.full(c.epochs(), c.itersPerEpoch()));
        assertEquals(c.n(), byLength.totalIterations());
        assertEquals(c.n(), bySlice.totalIterations());
        for (int i = 0; i < c.n(); i++) {
            final int step = i;
            assertClose(ref.lr()[i], byLength.lr(i), () -> "lr at step " + step + " of " + c);
            assertClose(ref.mom()[i], byLength.momentum(i), () -> "momentum at step " + step + " of " + c);
            assertEquals(byLength.lr(i), bySlice.lr(i));
            assertEquals(byLength.momentum(i), bySlice.momentum(i));
        }
    }

    static Stream<Case> fastai2Cases() {
        List<Case> all = new ArrayList<>(Case.edges(false));
        all.addAll(Case.random(20261204L, 250, false));
        return all.stream();
    }

    /**
     * fastai2: every step of the whole cycle, and of the slice from a (seeded) start epoch, against a stateful port
     * of fastai 2's loop (bitwise: the same operations in the same order; fastai itself: Fastai2GoldenTest).
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("fastai2Cases")
    void fastai2StyleMatchesTheTrainingLoopAtEveryIterationWholeAndSliced(Case c) {
        OneCyclePolicy policy = c.policy(OneCycleStyle.FASTAI2);
        boolean cos = c.annealing() == Annealing.COS;
        int start = c.epochs() == 1 ? 0 : 1 + (int) (Math.abs((long) c.hashCode()) % (c.epochs() - 1));
        for (int startEpoch : new int[] {0, start}) {
            Fastai2Reference.Run ref = Fastai2Reference.fit(c.lrMax(), c.divFactor(), policy.finalDiv(),
                    policy.pctStart(), c.maxMom(), c.baseMom(), cos, c.itersPerEpoch(), c.epochs(), startEpoch);
            CycleSlice slice = CycleSlice.rest(c.epochs(), startEpoch, c.itersPerEpoch());
            OneCycleSchedule s = policy.schedule(slice);
            assertEquals(slice.endIteration() - slice.firstIteration(), ref.lr().length);
            for (int k = 0; k < ref.lr().length; k++) {
                long i = slice.firstIteration() + k;
                assertEquals(ref.lr()[k], s.lr(i), () -> "lr at step " + i + " of " + c);
                assertEquals(ref.mom()[k], s.momentum(i), () -> "momentum at step " + i + " of " + c);
            }
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("torchCases")
    void pytorchStyleMatchesOneCycleLrGetLrAtEveryIteration(Case c) {
        int n = c.n();
        double[][] ref = new double[n][];
        boolean zeroDivision = false;
        for (int i = 0; i < n && !zeroDivision; i++) {
            try {
                ref[i] = TorchReference.at(i, n, c.lrMax(), c.divFactor(), c.pctStart(), c.finalDiv(), c.maxMom(),
                        c.baseMom(), c.threePhase(), Anneal.of(c.annealing()));
            } catch (ArithmeticException e) {
                zeroDivision = true;
            }
        }
        OneCyclePolicy policy = c.policy(OneCycleStyle.PYTORCH);
        if (zeroDivision) {
            InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> policy.over(n),
                    () -> "PyTorch divides by zero for " + c + "; our build must refuse it");
            assertEquals("pctStart", e.parameter());
            assertTrue(e.getMessage().contains("pctStart"), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(c.pctStart())), e.getMessage());
            return;
        }
        OneCycleSchedule s = policy.over(n);
        for (int i = 0; i < n; i++) {
            final int step = i;
            assertClose(ref[i][0], s.lr(i), () -> "lr at step " + step + " of " + c);
            assertClose(ref[i][1], s.momentum(i), () -> "momentum at step " + step + " of " + c);
        }
    }

    @Test
    void pytorchStyleRejectsCyclesWherePctStartTimesStepsIsOne() {
        double[][] pctAndN = {{1.0, 1}, {0.5, 2}, {0.1, 10}, {0.25, 4}, {1.0 / 3, 3}, {0.2, 5}};
        int rejected = 0;
        for (double[] pn : pctAndN) {
            double pct = pn[0];
            int n = (int) pn[1];
            if (pct * n - 1 != 0) {
                continue;
            }
            for (boolean three : new boolean[] {false, true}) {
                OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.01).optPctStart(pct)
                        .optStyle(OneCycleStyle.PYTORCH).optThreePhase(three).build();
                assertThrows(ArithmeticException.class, () -> TorchReference.at(0, n, 0.01, 25, pct, Double.NaN,
                        0.95, 0.85, three, Anneal.COS), "the reference must divide by zero here");
                InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> p.over(n));
                assertEquals("pctStart", e.parameter());
                assertTrue(e.getMessage().startsWith("pctStart "), e.getMessage());
                assertTrue(e.getMessage().contains(String.valueOf(pct)), e.getMessage());
                rejected++;
            }
        }
        assertTrue(rejected >= 10, "expected the listed cases to hit pct*n-1 == 0, got " + rejected);
        // the same pctStart is fine for the fastai callback, which never divides by zero
        OneCyclePolicy fastai = OneCyclePolicy.builder().setLrMax(0.01).optPctStart(0.1).build();
        assertEquals(10, fastai.over(10).totalIterations());
    }

    @Test
    void generatedCasesIncludeTorchZeroDivisionsAndBothAnnealings() {
        long zeroDiv = torchCases().filter(c -> {
            try {
                for (int i = 0; i < c.n(); i++) {
                    TorchReference.at(i, c.n(), c.lrMax(), c.divFactor(), c.pctStart(), c.finalDiv(), c.maxMom(),
                            c.baseMom(), c.threePhase(), Anneal.of(c.annealing()));
                }
                return false;
            } catch (ArithmeticException e) {
                return true;
            }
        }).count();
        assertTrue(zeroDiv > 0, "no generated PyTorch case hits the division by zero");
        assertTrue(fastaiCases().anyMatch(c -> c.annealing() == Annealing.LINEAR));
        assertTrue(fastaiCases().anyMatch(c -> c.annealing() == Annealing.COS));
        assertTrue(fastaiCases().anyMatch(c -> c.n() == 1));
        assertTrue(torchCases().anyMatch(c -> c.threePhase() && c.annealing() == Annealing.LINEAR));
    }

    @Test
    void referencesThemselvesStartAtInitialLrAndPeakAtLrMax() {
        // guards the references: fastai batch 0 uses lr_max/div and mom[0]; PyTorch step 0 the same
        FastaiReference.Run f = FastaiReference.run(1.0, 10, 0.5, Double.NaN, 0.9, 0.8, Anneal.COS, 10, 1);
        assertEquals(0.1, f.lr()[0]);
        assertEquals(0.9, f.mom()[0]);
        assertEquals(1.0, f.lr()[5]);
        assertEquals(0.8, f.mom()[5]);
        double[] t0 = TorchReference.at(0, 11, 1.0, 10, 0.5, Double.NaN, 0.9, 0.8, false, Anneal.COS);
        assertClose(0.1, t0[0], () -> "PyTorch initial lr");
        assertClose(0.9, t0[1], () -> "PyTorch initial momentum");
        double[] tEnd = TorchReference.at(10, 11, 1.0, 10, 0.5, Double.NaN, 0.9, 0.8, false, Anneal.COS);
        assertClose(1e-5, tEnd[0], () -> "PyTorch final lr");
        if (f.lr().length != 10) {
            fail("fastai reference trained " + f.lr().length + " batches");
        }
    }
}
