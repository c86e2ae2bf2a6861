package dev.onecycle.cli;

import dev.onecycle.plot.SchedulePlot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotOptionTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] GOOD = "an earlier, good plot".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static CliRun scheduleWithPlot(Path png, String... more) {
        String[] base = {"schedule", "--lr-max", "0.01", "--tot-epochs", "20", "--iters-per-epoch", "50",
            "--start-epoch", "8", "--epochs", "7", "--plot", png.toString()};
        return CliRun.of(Stream.concat(Arrays.stream(base), Arrays.stream(more)).toArray(String[]::new));
    }

    static void assertRealPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8), "PNG signature");
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, "ImageIO reads it");
        assertTrue(image.getWidth() > 0 && image.getHeight() > 0);
    }

    @Test
    void plotWritesARealPngAndStillPrintsTheCsv() throws IOException {
        Path png = dir.resolve("slice.png");
        CliRun run = scheduleWithPlot(png);

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(351, run.outLines().size());
        assertRealPng(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(SchedulePlot.WIDTH, image.getWidth());
        assertEquals(2 * SchedulePlot.CHART_HEIGHT, image.getHeight(), "two stacked charts");
        assertEquals(List.of(png), filesIn(dir), "no temporary file left behind");
    }

    @Test
    void plotReplacesAnExistingFile() throws IOException {
        Path png = dir.resolve("slice.png");
        Files.write(png, GOOD);
        assertEquals(0, scheduleWithPlot(png).exitCode());
        assertRealPng(png);
    }

    @Test
    void plotIntoAMissingDirectoryIsBadUsageAndWritesNothing() throws IOException {
        Path png = dir.resolve("missing").resolve("slice.png");
        CliRun run = scheduleWithPlot(png);

        ScheduleCommandTest.assertBadUsage(run, "--plot");
        assertTrue(run.err().contains("does not exist"), run.err());
        assertFalse(Files.exists(png.getParent()));
        assertEquals(List.of(), filesIn(dir));
    }

    @Test
    void plotNotEndingInPngIsBadUsage() {
        CliRun run = scheduleWithPlot(dir.resolve("slice.svg"));
        ScheduleCommandTest.assertBadUsage(run, "--plot");
        assertTrue(run.err().contains(".png"), run.err());
    }

    @Test
    void plotOntoADirectoryIsBadUsage() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("charts.png"));
        ScheduleCommandTest.assertBadUsage(scheduleWithPlot(sub), "--plot");
        assertTrue(Files.isDirectory(sub));
    }

    @Test
    void aRejectedSettingLeavesAnExistingPlotUntouched() throws IOException {
        Path png = dir.resolve("slice.png");
        Files.write(png, GOOD);

        ScheduleCommandTest.assertBadUsage(scheduleWithPlot(png, "--pct-start", "1.5"), "--pct-start");

        assertArrayEquals(GOOD, Files.readAllBytes(png));
        assertEquals(List.of(png), filesIn(dir));
    }

    @Test
    void aWriteFailingHalfWayLeavesTheExistingFileAndNoTemporaryFile() throws IOException {
        Path png = dir.resolve("slice.png");
        Files.write(png, GOOD);

        IOException e = assertThrows(IOException.class, () -> PngFiles.writeAtomically(png, out -> {
            out.write(PNG_MAGIC);
            throw new IOException("disk full");
        }));

        assertEquals("disk full", e.getMessage());
        assertArrayEquals(GOOD, Files.readAllBytes(png));
        assertEquals(List.of(png), filesIn(dir));
    }

    private static List<Path> filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }
}
