package dev.onecycle.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A cycle run in slices, or asked in any order, gives exactly the values of one sequential pass. */
class SlicingTest {

    static Stream<OneCyclePolicy> policies() {
        OneCyclePolicy base = OneCyclePolicy.builder().setLrMax(0.3).optDivFactor(20).optPctStart(0.27)
                .optMomentum(0.95, 0.85).build();
        return Stream.of(base, base.toBuilder().optAnnealing(Annealing.LINEAR).build(),
                base.toBuilder().optStyle(OneCycleStyle.PYTORCH).build(),
                base.toBuilder().optStyle(OneCycleStyle.PYTORCH).optThreePhase(true).build(),
                base.toBuilder().optStyle(OneCycleStyle.PYTORCH).optAnnealing(Annealing.LINEAR).build(),
                base.toBuilder().optStyle(OneCycleStyle.FASTAI2).build(),
                base.toBuilder().optStyle(OneCycleStyle.FASTAI2).optAnnealing(Annealing.LINEAR).build());
    }

    private static double[][] sequential(OneCycleSchedule s) {
        int n = Math.toIntExact(s.totalIterations());
        double[][] v = new double[2][n];
        for (int i = 0; i < n; i++) {
            v[0][i] = s.lr(i);
            v[1][i] = s.momentum(i);
        }
        return v;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void valuesOverTwoSlicesEqualOneFullCycle(OneCyclePolicy policy) {
        int tot = 20;
        int ipe = 13;
        double[][] full = sequential(policy.schedule(CycleSlice.full(tot, ipe)));
        for (int a = 1; a < tot; a++) {
            CycleSlice first = CycleSlice.builder().setEpochs(a).optTotEpochs(tot).setItersPerEpoch(ipe).build();
            CycleSlice rest = CycleSlice.rest(tot, a, ipe);
            assertEquals(first.endIteration(), rest.firstIteration());
            assertEquals(0, first.firstIteration());
            assertEquals((long) tot * ipe, rest.endIteration());
            assertEquals(rest, first.resumedAt(a));
            double[] lr = new double[tot * ipe];
            double[] mom = new double[tot * ipe];
            for (CycleSlice s : List.of(first, rest)) {
                OneCycleSchedule sched = policy.schedule(s);
                for (long i = s.firstIteration(); i < s.endIteration(); i++) {
                    lr[(int) i] = sched.lr(i);
                    mom[(int) i] = sched.momentum(i);
                }
            }
            assertArrayEquals(full[0], lr, "lr, split at epoch " + a);
            assertArrayEquals(full[1], mom, "momentum, split at epoch " + a);
        }
    }

    /** Any split of a cycle into jobs (here: random cut points, 1 to 6 cuts) gives the values of the whole. */
    @ParameterizedTest
    @MethodSource("policies")
    void valuesOverAnySplitIntoJobsEqualOneFullCycle(OneCyclePolicy policy) {
        int tot = 11;
        int ipe = 7; // 1/(7*11) is not a binary fraction: fastai2's per-batch sums round
        double[][] full = sequential(policy.schedule(CycleSlice.full(tot, ipe)));
        Random r = new Random(11);
        for (int trial = 0; trial < 40; trial++) {
            java.util.TreeSet<Integer> cuts = new java.util.TreeSet<>();
            int n = 1 + r.nextInt(6);
            while (cuts.size() < n) {
                cuts.add(1 + r.nextInt(tot - 1));
            }
            cuts.add(tot);
            double[] lr = new double[tot * ipe];
            double[] mom = new double[tot * ipe];
            int start = 0;
            for (int end : cuts) {
                CycleSlice s = CycleSlice.builder().optTotEpochs(tot).optStartEpoch(start).setEpochs(end - start)
                        .setItersPerEpoch(ipe).build();
                OneCycleSchedule sched = policy.schedule(s); // a fresh schedule per job, as on the trainer
                for (long i = s.firstIteration(); i < s.endIteration(); i++) {
                    lr[(int) i] = sched.lr(i);
                    mom[(int) i] = sched.momentum(i);
                }
                start = end;
            }
            assertArrayEquals(full[0], lr, "lr, cut at " + cuts);
            assertArrayEquals(full[1], mom, "momentum, cut at " + cuts);
        }
    }

    /** fastai2's position restarts at epoch / n_epoch each epoch: asked in any order over many epochs, the same. */
    @Test
    void fastai2ValuesInRandomOrderOverManyEpochsEqualASequentialPass() {
        OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.02).optStyle(OneCycleStyle.FASTAI2).build();
        CycleSlice cycle = CycleSlice.full(9, 13);
        double[][] seq = sequential(p.schedule(cycle));
        OneCycleSchedule s = p.schedule(cycle);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 9 * 13; i++) {
            order.add(i);
            order.add(i);
        }
        Collections.shuffle(order, new Random(9));
        for (int i : order) {
            assertEquals(seq[0][i], s.lr(i), "lr at " + i);
            assertEquals(seq[1][i], s.momentum(i), "momentum at " + i);
        }
        // each epoch starts again at epoch / n_epoch (fastai's before_train), where one epoch of the same 117
        // steps has accumulated 1/117 step by step
        Fastai2OneCycle epochs = (Fastai2OneCycle) p.schedule(cycle);
        Fastai2OneCycle oneEpoch = (Fastai2OneCycle) p.over(9 * 13);
        int differ = 0;
        for (int e = 0; e < 9; e++) {
            assertEquals((double) e / 9, epochs.pctTrain(e * 13L), "position at the start of epoch " + e);
            double sum = 0;
            for (int j = 0; j < e * 13; j++) {
                sum += 1.0 / 117;
            }
            assertEquals(sum, oneEpoch.pctTrain(e * 13L));
            differ += sum != (double) e / 9 ? 1 : 0;
        }
        assertTrue(differ > 0, "the reset changes the position (by its rounding) at some epoch start");
    }

    /** One schedule asked by several threads at once (executors share it) gives each the sequential values. */
    @ParameterizedTest
    @MethodSource("policies")
    void scheduleSharedByThreadsGivesEveryThreadTheSequentialValues(OneCyclePolicy policy) throws Exception {
        CycleSlice cycle = CycleSlice.full(6, 101);
        double[][] seq = sequential(policy.schedule(cycle));
        OneCycleSchedule shared = policy.schedule(cycle);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int seed = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int k = 0; k < 20_000; k++) {
                        // mostly forward runs within an epoch, sometimes a jump: the remembered position moves
                        int i = r.nextInt(10) == 0 ? r.nextInt(606) : (int) ((k * 7L + seed) % 606);
                        if (shared.lr(i) != seq[0][i] || shared.momentum(i) != seq[1][i]) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> f : done) {
                assertTrue(f.get(), "a thread saw a value other than the sequential pass's");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void valuesInRandomOrderEqualASequentialPass(OneCyclePolicy policy) {
        OneCycleSchedule s = policy.over(997);
        double[][] seq = sequential(s);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 997; i++) {
            order.add(i);
            order.add(i); // each step twice: asking again must not change anything
        }
        Collections.shuffle(order, new Random(5));
        double[] lr = new double[997];
        double[] mom = new double[997];
        for (int i : order) {
            lr[i] = s.lr(i);
            mom[i] = s.momentum(i);
        }
        assertArrayEquals(seq[0], lr);
        assertArrayEquals(seq[1], mom);
        // and a fresh schedule asked backwards
        OneCycleSchedule again = policy.over(997);
        for (int i = 996; i >= 0; i--) {
            assertEquals(seq[0][i], again.lr(i));
            assertEquals(seq[1][i], again.momentum(i));
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void stepsBeforeAndAfterTheCycleAreRefused(OneCyclePolicy policy) {
        for (int n : new int[] {5, 100, 1013}) {
            OneCycleSchedule s = policy.over(n);
            for (long bad : new long[] {-1, n, n + 1L, Long.MIN_VALUE, Long.MAX_VALUE}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.lr(bad));
                assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> s.momentum(bad));
            }
            s.lr(0);
            s.lr(n - 1);
            s.momentum(n - 1);
        }
    }

    static Stream<Arguments> boundaryCases() {
        return Stream.of(Arguments.of(100, 0.3), Arguments.of(91, 0.3), Arguments.of(7 * 13, 0.25),
                Arguments.of(20, 0.5), Arguments.of(1000, 0.1));
    }

    /** fastai: a1 = int(n*pct); batch a1 has lr_max and the base momentum, its neighbours less / more. */
    @ParameterizedTest
    @MethodSource("boundaryCases")
    void fastaiPeakIsAtStepIntOfNTimesPctStart(int n, double pct) {
        for (Annealing a : Annealing.values()) {
            OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.5).optPctStart(pct).optAnnealing(a).build();
            OneCycleSchedule s = p.over(n);
            int a1 = (int) (n * pct);
            assertEquals(0.5, s.lr(a1), 0.0);
            assertEquals(0.85, s.momentum(a1), 0.0);
            assertTrue(s.lr(a1 - 1) < 0.5 && s.lr(a1 + 1) < 0.5);
            assertTrue(s.momentum(a1 - 1) > 0.85 && s.momentum(a1 + 1) > 0.85);
            assertTrue(s.lr(a1 - 1) > s.lr(a1 - 2), "rising before the peak");
            assertTrue(s.lr(a1 + 2) < s.lr(a1 + 1), "falling after the peak");
            assertEquals(0.5 / 25, s.lr(0), 0.0);
            assertEquals(0.95, s.momentum(0), 0.0);
        }
    }

    /** PyTorch: phase 1 ends at pct*n-1; when that is a whole step, that step is the peak. */
    @ParameterizedTest
    @MethodSource("boundaryCases")
    void pytorchPeakIsAtStepPctTimesNMinusOne(int n, double pct) {
        OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.5).optPctStart(pct).optStyle(OneCycleStyle.PYTORCH)
                .build();
        OneCycleSchedule s = p.over(n);
        double end = pct * n - 1;
        int peak = (int) Math.floor(end);
        if (peak == end) {
            assertEquals(0.5, s.lr(peak), 1e-15);
            assertEquals(0.85, s.momentum(peak), 1e-15);
        } else {
            assertNotEquals(0.5, s.lr(peak));
        }
        assertTrue(s.lr(peak - 1) < s.lr(peak));
        assertTrue(s.lr(peak + 1) < 0.5);
        assertTrue(s.lr(peak + 2) < s.lr(peak + 1));
        assertEquals(0.5 / 25 / 1e4, s.lr(n - 1), 1e-15);
    }

    @Test
    void pytorchThreePhaseGoesBackToInitialLrAtTwicePctStart() {
        OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(1.0).optDivFactor(10).optPctStart(0.25)
                .optStyle(OneCycleStyle.PYTORCH).optThreePhase(true).build();
        OneCycleSchedule s = p.over(100);
        // phase ends: 24, 48, 99
        assertEquals(1.0, s.lr(24), 1e-15);
        assertEquals(0.1, s.lr(48), 1e-15);
        assertEquals(0.85, s.momentum(24), 1e-15);
        assertEquals(0.95, s.momentum(48), 1e-15);
        assertEquals(0.95, s.momentum(49), 0.0);
        assertEquals(0.95, s.momentum(99), 0.0);
        assertTrue(s.lr(47) > s.lr(48) && s.lr(49) < s.lr(48));
        assertEquals(0.1 / 1e4, s.lr(99), 1e-18);
    }

    @Test
    void sliceCountsStepsAndEpochs() {
        CycleSlice s = CycleSlice.builder().optTotEpochs(20).optStartEpoch(8).setEpochs(7).setItersPerEpoch(13)
                .build();
        assertEquals(20, s.totEpochs());
        assertEquals(8, s.startEpoch());
        assertEquals(15, s.endEpoch());
        assertEquals(260, s.totalIterations());
        assertEquals(104, s.firstIteration());
        assertEquals(195, s.endIteration());
        assertEquals(0, s.epochOf(0));
        assertEquals(0, s.epochOf(12));
        assertEquals(1, s.epochOf(13));
        assertEquals(19, s.epochOf(259));
        assertThrows(IllegalArgumentException.class, () -> s.epochOf(260));
        assertThrows(IllegalArgumentException.class, () -> s.epochOf(-1));
        CycleSlice full = CycleSlice.full(12, 5);
        assertEquals(12, full.totEpochs());
        assertEquals(0, full.startEpoch());
        assertEquals(12, full.epochs());
        CycleSlice defaultTot = CycleSlice.builder().optStartEpoch(3).setEpochs(4).setItersPerEpoch(2).build();
        assertEquals(7, defaultTot.totEpochs(), "fastai's tot_epochs default: start_epoch + epochs");
        assertEquals(CycleSlice.rest(20, 8, 13), CycleSlice.builder().optTotEpochs(20).optStartEpoch(8)
                .setEpochs(12).setItersPerEpoch(13).build());
    }
}
