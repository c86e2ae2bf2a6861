package dev.onecycle.schedule;

import static dev.onecycle.schedule.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fastai2 style against fastai 2.8.12 itself: every batch's {@code pct_train}, learning rate and momentum of
 * real {@code Learner.fit_one_cycle(n_epoch, ..., start_epoch=k)} runs (whole cycles and slices), recorded by
 * {@code src/test/python/fastai2_golden.py} into {@code src/test/resources/fastai2}. The position is compared
 * bitwise (it is plain float64 additions), the values to 1e-12 relative.
 */
class Fastai2GoldenTest {

    /** One fit of the golden script: the policy's values, the slice it trained and what each batch used. */
    record Golden(int id, int nEpoch, int nIter, double lrMax, double div, double divFinal, double pctStart,
            double momMax, double momBase, String anneal, int startEpoch, List<double[]> steps) {

        OneCyclePolicy policy() {
            return OneCyclePolicy.builder().setLrMax(lrMax).optDivFactor(div).optFinalDiv(divFinal)
                    .optPctStart(pctStart).optMomentum(momMax, momBase)
                    .optAnnealing(anneal.equals("cos") ? Annealing.COS : Annealing.LINEAR)
                    .optStyle(OneCycleStyle.FASTAI2).build();
        }

        CycleSlice slice() {
            return CycleSlice.rest(nEpoch, startEpoch, nIter);
        }

        boolean fastai2Defaults() {
            return div == 25 && divFinal == 1e5 && pctStart == 0.25 && momMax == 0.95 && momBase == 0.85
                    && anneal.equals("cos");
        }

        @Override
        public String toString() {
            return "case " + id + ": fit_one_cycle(" + nEpoch + ", " + lrMax + ", div=" + div + ", div_final="
                    + divFinal + ", pct_start=" + pctStart + ", moms=(" + momMax + "," + momBase + "," + momMax
                    + "), start_epoch=" + startEpoch + ") " + anneal + ", " + nIter + " batches/epoch";
        }
    }

    static List<Golden> goldens() {
        Map<Integer, List<double[]>> steps = new LinkedHashMap<>();
        for (String[] r : csv("steps.csv")) {
            steps.computeIfAbsent(Integer.parseInt(r[0]), k -> new ArrayList<>()).add(new double[] {
                Integer.parseInt(r[1]), Integer.parseInt(r[2]), Double.parseDouble(r[3]), Double.parseDouble(r[4]),
                Double.parseDouble(r[5])});
        }
        List<Golden> out = new ArrayList<>();
        for (String[] r : csv("cases.csv")) {
            int id = Integer.parseInt(r[0]);
            out.add(new Golden(id, Integer.parseInt(r[1]), Integer.parseInt(r[2]), Double.parseDouble(r[3]),
                    Double.parseDouble(r[4]), Double.parseDouble(r[5]), Double.parseDouble(r[6]),
                    Double.parseDouble(r[7]), Double.parseDouble(r[8]), r[9], Integer.parseInt(r[10]),
                    steps.getOrDefault(id, List.of())));
        }
        return out;
    }

    /** The data rows of a golden file (its comment line and header skipped). */
    private static List<String[]> csv(String name) {
        try (InputStream in = Fastai2GoldenTest.class.getResourceAsStream("/fastai2/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource fastai2/" + name);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String[]> rows = new ArrayList<>();
            boolean header = true;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                rows.add(line.split(",", -1));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Golden> cases() {
        return goldens().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyBatchOfFastai2FitOneCycleIsReproduced(Golden g) {
        CycleSlice slice = g.slice();
        OneCycleSchedule s = g.policy().schedule(slice);
        Fastai2OneCycle f2 = (Fastai2OneCycle) s;
        assertEquals(slice.epochs() * (long) g.nIter(), g.steps().size(), "fastai trained the slice's batches");
        long step = slice.firstIteration();
        for (double[] row : g.steps()) {
            long abs = (long) row[0] * g.nIter() + (long) row[1];
            assertEquals(step, abs, "batches in training order");
            final long at = step;
            assertEquals(row[2], f2.pctTrain(at), () -> "pct_train before batch " + at + " of " + g);
            assertClose(row[3], s.lr(at), () -> "lr at step " + at + " of " + g);
            assertClose(row[4], s.momentum(at), () -> "momentum at step " + at + " of " + g);
            step++;
        }
        assertEquals(slice.endIteration(), step);
        // and the port of fastai's loop that ReferenceScheduleTest checks many more policies against
        Fastai2Reference.Run ref = Fastai2Reference.fit(g.lrMax(), g.div(), g.divFinal(), g.pctStart(), g.momMax(),
                g.momBase(), g.anneal().equals("cos"), g.nIter(), g.nEpoch(), g.startEpoch());
        for (int k = 0; k < g.steps().size(); k++) {
            final int row = k;
            assertClose(g.steps().get(k)[3], ref.lr()[k], () -> "reference lr, batch " + row + " of " + g);
            assertClose(g.steps().get(k)[4], ref.mom()[k], () -> "reference momentum, batch " + row + " of " + g);
        }
    }

    @Test
    void unsetPctStartAndFinalDivAreFastai2Defaults() {
        int checked = 0;
        for (Golden g : goldens()) {
            if (!g.fastai2Defaults()) {
                continue;
            }
            OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(g.lrMax()).optStyle(OneCycleStyle.FASTAI2).build();
            assertEquals(g.policy(), p);
            OneCycleSchedule s = p.schedule(g.slice());
            long step = g.slice().firstIteration();
            for (double[] row : g.steps()) {
                final long at = step++;
                assertClose(row[3], s.lr(at), () -> "lr at " + at + " of " + g);
                assertClose(row[4], s.momentum(at), () -> "momentum at " + at + " of " + g);
            }
            checked++;
        }
        assertTrue(checked >= 20, "golden cases with fastai 2's defaults: " + checked);
    }

    @Test
    void goldensCoverInexactIncrementsSlicesAndPhaseEnds() {
        List<Golden> all = goldens();
        // 1/(n_iter*n_epoch) not a binary fraction, for n_iter 3, 7, 13 and n_epoch 3, 7
        for (int nEpoch : new int[] {3, 7}) {
            for (int nIter : new int[] {3, 7, 13}) {
                assertTrue(all.stream().anyMatch(g -> g.nEpoch() == nEpoch && g.nIter() == nIter && g.startEpoch() > 0),
                        nEpoch + " x " + nIter);
            }
        }
        assertTrue(all.stream().anyMatch(g -> g.startEpoch() == g.nEpoch() - 1 && g.nEpoch() > 2), "last epoch only");
        assertTrue(all.stream().anyMatch(g -> g.pctStart() == 0.0));
        assertTrue(all.stream().anyMatch(g -> g.pctStart() == 1.0));
        assertTrue(all.stream().anyMatch(g -> g.anneal().equals("lin")));
        assertTrue(all.stream().mapToLong(g -> g.steps().size()).sum() > 3000);
    }
}
