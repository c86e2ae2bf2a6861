package dev.onecycle.lrfind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.InvalidParameterException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The range test's maths against the formulas (and fastai's code behaviour), on fixed loss sequences. */
class RangeTestMathTest {
    private static final double EPS = 1e-12;

    private static void close(double expected, double actual) {
        assertEquals(expected, actual, EPS * Math.max(1, Math.abs(expected)));
    }

    @Test
    void learningRateGrowsExponentiallyFromStartToEndOverNumIt() {
        LrRange r = LrRange.defaults();
        close(1e-7, r.lr(0));
        close(10, r.lr(99));
        close(1e-7 * Math.pow(1e8, 50 / 99.0), r.lr(50));
        double ratio = Math.pow(1e8, 1 / 99.0);
        for (int i = 0; i < 99; i++) {
            close(ratio, r.lr(i + 1) / r.lr(i));
        }
        LrRange two = new LrRange(0.01, 1, 2, true);
        close(0.01, two.lr(0));
        close(1, two.lr(1));
        close(100, two.lr(2)); // past the sweep it keeps growing (iterations a round trains beyond numIt)
        RangeSchedule s = r.schedule(0.95);
        close(r.lr(7), s.lr(7));
        assertEquals(0.95, s.momentum(0));
        assertEquals(0.95, s.momentum(99));
    }

    @Test
    void smoothingIsFastaisBiasCorrectedMovingAverage() {
        RangeTestCurve c = new RangeTestCurve(LrRange.defaults());
        c.add(1);
        c.add(2);
        c.add(0.5);
        List<RangePoint> p = c.points();
        close(1, p.get(0).smoothedLoss()); // avg / (1 - beta): the first loss itself
        close((0.98 * 1 + 2) / 1.98, p.get(1).smoothedLoss());
        double avg = 0;
        double[] losses = {1, 2, 0.5};
        for (int i = 0; i < 3; i++) {
            avg = 0.98 * avg + 0.02 * losses[i];
            close(avg / (1 - Math.pow(0.98, i + 1)), p.get(i).smoothedLoss());
            assertEquals(losses[i], p.get(i).loss());
            assertEquals(i, p.get(i).iteration());
            close(LrRange.defaults().lr(i), p.get(i).lr());
        }
        assertFalse(c.done());
    }

    @Test
    void stopsAfterTheIterationWhoseSmoothedLossPassesFourTimesTheBest() {
        RangeTestCurve rises = new RangeTestCurve(LrRange.defaults());
        for (double l : new double[] {1, 1, 1}) {
            assertFalse(rises.add(l));
        }
        // smooth_3 = (0.98^3 + 0.98^2 + 0.98 + 5) * 0.02 / (1 - 0.98^4) = 2.03 < 4: goes on
        assertFalse(rises.add(5));
        close((Math.pow(0.98, 3) + Math.pow(0.98, 2) + 0.98 + 5) * 0.02 / (1 - Math.pow(0.98, 4)),
                rises.points().get(3).smoothedLoss());

        RangeTestCurve diverges = new RangeTestCurve(LrRange.defaults());
        diverges.add(1);
        diverges.add(1);
        diverges.add(1);
        assertTrue(diverges.add(300)); // smooth_3 = 78.0 > 4 * 1
        assertEquals(StopReason.DIVERGED, diverges.stopReason());
        assertEquals(4, diverges.points().size(), "the diverging iteration is recorded, as in fastai");
        assertThrows(IllegalStateException.class, () -> diverges.add(1));

        RangeTestCurve best = new RangeTestCurve(LrRange.defaults()); // the best is of the smoothed loss
        best.add(10);
        best.add(0.01); // smooth 5.03: the best now, though above the first loss's 4x bound of nothing
        assertFalse(best.done());
    }

    @Test
    void stopsOnANonFiniteLossUnlessStopDivIsOff() {
        RangeTestCurve nan = new RangeTestCurve(LrRange.defaults());
        nan.add(2);
        assertTrue(nan.add(Double.NaN));
        assertEquals(StopReason.NOT_FINITE, nan.stopReason());
        RangeTestCurve inf = new RangeTestCurve(LrRange.defaults());
        inf.add(2);
        assertTrue(inf.add(Double.POSITIVE_INFINITY));
        assertEquals(StopReason.NOT_FINITE, inf.stopReason());

        RangeTestCurve all = new RangeTestCurve(new LrRange(1e-3, 1, 5, false));
        assertFalse(all.add(1));
        assertFalse(all.add(1000)); // would diverge
        assertFalse(all.add(Double.NaN));
        assertFalse(all.add(1));
        assertTrue(all.add(1));
        assertEquals(StopReason.COMPLETE, all.stopReason());
        assertEquals(5, all.points().size());
    }

    @Test
    void endsAfterNumItIterations() {
        RangeTestCurve c = new RangeTestCurve(new LrRange(1e-4, 1, 3, true));
        assertFalse(c.add(1));
        assertFalse(c.add(0.9));
        assertTrue(c.add(0.8));
        assertEquals(StopReason.COMPLETE, c.stopReason());
        RangeTestResult r = c.result(0.9);
        assertEquals(3, r.points().size());
        close(1, r.lastLr());
        assertTrue(r.suggestions().isEmpty(), "3 points leave nothing after dropping 10 + 5");
        assertTrue(r.summary().contains("too few points"), r.summary());
    }

    @Test
    void gradientIsNumpysWithOneSidedEnds() {
        // numpy's documented example: np.gradient([1, 2, 4, 7, 11, 16]) == [1, 1.5, 2.5, 3.5, 4.5, 5]
        assertArrayEquals(new double[] {1, 1.5, 2.5, 3.5, 4.5, 5},
                Suggestions.gradient(new double[] {1, 2, 4, 7, 11, 16}), EPS);
        assertArrayEquals(new double[] {-3, -3}, Suggestions.gradient(new double[] {5, 2}), EPS);
        assertThrows(IllegalArgumentException.class, () -> Suggestions.gradient(new double[] {1}));
    }

    /** Points with the given smoothed losses (loss = smoothed) on the default sweep. */
    private static List<RangePoint> curve(double... smoothed) {
        List<RangePoint> p = new ArrayList<>();
        for (int i = 0; i < smoothed.length; i++) {
            p.add(new RangePoint(i, LrRange.defaults().lr(i), smoothed[i], smoothed[i]));
        }
        return p;
    }

    /** 10 leading points, then {@code window}, then 5 trailing ones: the window fastai keeps (numIt 100). */
    private static List<RangePoint> framed(double... window) {
        double[] all = new double[10 + window.length + 5];
        java.util.Arrays.fill(all, 0, 10, -100); // would win every rule if it were not skipped
        System.arraycopy(window, 0, all, 10, window.length);
        java.util.Arrays.fill(all, 10 + window.length, all.length, -100);
        return curve(all);
    }

    @Test
    void steepIsTheLowestNumpyGradientInsideTheWindow() {
        // window 5 4 3 6 2 1 7: gradients -1 -1 1 -0.5 -2.5 2.5 6 -> index 4 (iteration 14)
        Suggestion s = Suggestions.steep(framed(5, 4, 3, 6, 2, 1, 7)).orElseThrow();
        assertEquals(14, s.iteration());
        close(LrRange.defaults().lr(14), s.lr());
        assertEquals(2, s.smoothedLoss());
        // the one-sided end: window 3 2 2 0 -> gradients -1 -0.5 -1 -2: the last point
        assertEquals(13, Suggestions.steep(framed(3, 2, 2, 0)).orElseThrow().iteration());
        // ties go to the first: 4 3 2 1 -> -1 -1 -1 -1
        assertEquals(10, Suggestions.steep(framed(4, 3, 2, 1)).orElseThrow().iteration());
        assertTrue(Suggestions.steep(framed(1)).isEmpty(), "np.gradient needs 2 points");
    }

    @Test
    void minimumIsTheLowestSmoothedLossOverTen() {
        Suggestion s = Suggestions.minimum(framed(5, 4, 3, 6, 2, 1, 7)).orElseThrow();
        assertEquals(15, s.iteration());
        close(LrRange.defaults().lr(15) / 10, s.lr());
        close(LrRange.defaults().lr(15), s.pointLr());
        assertEquals(1, s.smoothedLoss());
        assertTrue(Suggestions.minimum(curve(new double[15])).isEmpty(), "15 points: an empty window");
        assertTrue(Suggestions.minimum(curve(new double[16])).isPresent());
    }

    @Test
    void valleyIsFastaisLongestValleyRule() {
        // window 5 4 3 6 2 1 7: longest strictly falling run 5 4 3 2 1 ends at 5 (length 5), fastai's max_start is
        // 5 - 5 = 0, sections 5/3: idx = 0 + 1 + int(0.83) = 1 -> iteration 11
        Suggestion v = Suggestions.valley(framed(5, 4, 3, 6, 2, 1, 7), 100).orElseThrow();
        assertEquals(11, v.iteration());
        close(LrRange.defaults().lr(11), v.lr());
        // a long even slide: 20 falling points -> max_end 19, max_start -1, sections 20/3 -> idx -1 + 6 + 3 = 8
        double[] slide = new double[20];
        for (int i = 0; i < 20; i++) {
            slide[i] = 20 - i;
        }
        assertEquals(18, Suggestions.valley(framed(slide), 100).orElseThrow().iteration());
        // the window starts at numIt / 10: numIt 50 starts it at 5
        List<RangePoint> p = curve(-9, -9, -9, -9, -9, 3, 2, 1, 0, 9, -9, -9, -9, -9, -9);
        Suggestion short50 = Suggestions.valley(p, 50).orElseThrow();
        // window 3 2 1 0 9: run of 4 ends at index 3, max_start -1, sections 4/3: idx -1 + 1 + 0 = 0 -> iteration 5
        assertEquals(5, short50.iteration());
        // flat: no valley longer than 1 -> the first point
        assertEquals(10, Suggestions.valley(framed(1, 1, 1), 100).orElseThrow().iteration());
        // fastai's index -1 (a two-point valley at the window's start) wraps to the window's end in Python; here
        // it is the window's first point
        assertEquals(10, Suggestions.valley(framed(2, 1, 3, 3, 3), 100).orElseThrow().iteration());
    }

    @Test
    void windowsEndBeforeTheFirstNonFiniteSmoothedLoss() {
        List<RangePoint> p = framed(5, 4, 3, Double.NaN, 0, -1, -2);
        assertEquals(12, Suggestions.minimum(p).orElseThrow().iteration());
        assertEquals(10, Suggestions.steep(p).orElseThrow().iteration()); // gradients of 5 4 3: -1 -1 -1 -> first
        List<Suggestion> all = Suggestions.all(p, 100);
        assertEquals(List.of(Suggestions.STEEP, Suggestions.MINIMUM, Suggestions.VALLEY),
                all.stream().map(Suggestion::name).toList());
    }

    @Test
    void badSweepsNameTheParameterAndTheRule() {
        assertEquals("startLr must be finite and > 0, got 0.0",
                assertThrows(InvalidParameterException.class, () -> new LrRange(0, 10, 100, true)).getMessage());
        assertEquals("endLr must be finite and > startLr (0.1), got 0.1",
                assertThrows(InvalidParameterException.class, () -> new LrRange(0.1, 0.1, 100, true)).getMessage());
        assertTrue(assertThrows(InvalidParameterException.class, () -> new LrRange(1e-7, 10, 1, true))
                .getMessage().startsWith("numIt must be >= 2"));
        assertThrows(InvalidParameterException.class, () -> new LrRange(Double.NaN, 10, 100, true));
        assertThrows(InvalidParameterException.class, () -> LrRange.defaults().schedule(1.0));
    }
}
