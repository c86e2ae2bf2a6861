package dev.onecycle.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;

class SchedulePlotTest {

    @Test
    void longCyclesAreDownsampledButKeepEverySliceBoundary() {
        long total = 100_000_000L;
        long[] boundaries = {40_000_000L, 74_999_999L, 75_000_000L};
        long[] xs = SchedulePlot.sample(0, total, SchedulePlot.MAX_POINTS, boundaries);

        assertTrue(xs.length <= SchedulePlot.MAX_POINTS + boundaries.length, "points: " + xs.length);
        assertEquals(0, xs[0]);
        assertEquals(total - 1, xs[xs.length - 1]);
        for (long b : boundaries) {
            assertTrue(Arrays.binarySearch(xs, b) >= 0, "keeps " + b);
        }
        for (int i = 1; i < xs.length; i++) {
            assertTrue(xs[i] > xs[i - 1], "ascending without repeats");
        }
    }

    @Test
    void shortCyclesKeepEveryStep() {
        long[] xs = SchedulePlot.sample(400, 750, SchedulePlot.MAX_POINTS, 400, 749, 750);
        assertEquals(350, xs.length);
        assertEquals(400, xs[0]);
        assertEquals(749, xs[349]);
    }

    @Test
    void boundariesAreEachSlicesFirstAndLastStepAndTheStepAfter() {
        List<SchedulePlot.Span> spans = List.of(new SchedulePlot.Span(0, 400, "a"),
                new SchedulePlot.Span(400, 1000, "b"));
        assertEquals(List.of(0L, 399L, 400L, 999L),
                Arrays.stream(SchedulePlot.boundaries(spans, 1000)).boxed().toList());
    }

    @Test
    void aVeryLongCycleRendersQuickly() throws IOException {
        CycleSlice slice = CycleSlice.builder().optTotEpochs(100).optStartEpoch(40).setEpochs(35)
                .setItersPerEpoch(1_000_000).build();
        OneCycleSchedule schedule = OneCyclePolicy.builder().setLrMax(0.1).build().schedule(slice);

        long start = System.nanoTime();
        byte[] png = SchedulePlot.png(schedule, slice);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(millis < 20_000, "took " + millis + " ms");
        assertNotNull(ImageIO.read(new ByteArrayInputStream(png)));
    }

    @Test
    void severalSlicesAndNoMomentumCanBeDrawnForATrainingRun() throws IOException {
        double[] recordedLr = new double[1000];
        Arrays.setAll(recordedLr, i -> 0.01 * Math.sin(Math.PI * i / 1000.0) + 1e-4);
        List<SchedulePlot.Span> spans = List.of(new SchedulePlot.Span(0, 400, "run 1: epochs [0, 8)"),
                new SchedulePlot.Span(400, 1000, "run 2: epochs [8, 20)"));

        byte[] png = SchedulePlot.png("recorded", 1000, i -> recordedLr[(int) i], null, spans);

        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(SchedulePlot.CHART_HEIGHT, image.getHeight(), "learning rate only");
    }

    @Test
    void aSpanPastTheEndOfTheCycleIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SchedulePlot.png("t", 100, i -> 1, i -> 1,
                List.of(new SchedulePlot.Span(50, 101, "x"))));
    }

    @Test
    void theTitleNamesThePolicyAndTheSlice() {
        CycleSlice slice = CycleSlice.builder().optTotEpochs(20).optStartEpoch(8).setEpochs(12)
                .setItersPerEpoch(50).build();
        assertEquals("1cycle fastai lrMax=0.01, epochs [8, 20) of 20 (50 iterations each)",
                SchedulePlot.title(OneCyclePolicy.builder().setLrMax(0.01).build(), slice));
    }
}
