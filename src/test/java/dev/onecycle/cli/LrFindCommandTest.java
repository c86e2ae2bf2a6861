package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code onecycle lr-find} and the range-test flags of {@code train --lr-max auto}. */
class LrFindCommandTest {

    private static CliRun run(Path runDir, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--master", "local[2]", "--run-dir", runDir.toString()));
        return CliRun.of(a.toArray(new String[0]));
    }

    @Test
    void badRangeTestFlagsAndLrMaxAreRefusedInOneLineBeforeAnythingRuns(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        assertRefused(run(dir, "lr-find", "--start-lr", "0"), "--start-lr: startLr must be finite and > 0, got 0.0");
        assertRefused(run(dir, "lr-find", "--start-lr", "-1e-3"), "--start-lr");
        assertRefused(run(dir, "lr-find", "--end-lr", "1e-8"), "--end-lr: endLr must be finite and > startLr (1.0E-7)");
        assertRefused(run(dir, "lr-find", "--start-lr", "0.1", "--end-lr", "0.1"), "--end-lr", "got 0.1");
        assertRefused(run(dir, "lr-find", "--num-it", "1"), "--num-it: numIt must be >= 2", "got 1");
        assertRefused(run(dir, "lr-find", "--num-it", "many"), "--num-it", "expected a whole number");
        assertRefused(run(dir, "lr-find", "--resume"), "--resume", "lr-find writes no checkpoints");
        assertRefused(run(dir, "train", "--lr-max", "auto", "--num-it", "1"), "--num-it");
        assertRefused(run(dir, "train", "--lr-max", "fast"), "--lr-max: expected a positive number or auto, got 'fast'");
        assertRefused(run(dir, "train", "--lr-max", "0"), "--lr-max: lrMax must be finite and > 0, got 0.0");
        assertRefused(run(dir, "train", "--lr-max", "-0.1"), "--lr-max", "got -0.1");
        assertRefused(run(dir, "train", "--lr-max", "NaN"), "--lr-max", "got NaN");
        assertFalse(Files.exists(dir), "nothing written");
    }

    @Test
    void lrFindWritesTheCurveTheSuggestionsAndThePlotAndKeepsThemFromBeingOverwritten(@TempDir Path tmp)
            throws Exception {
        Path dir = tmp.resolve("lr");
        String[] args = {"lr-find", "--workers", "2", "--max-examples", "600", "--batch-size", "8", "--hidden", "16",
            "--num-it", "40", "--averaging-frequency", "3"};
        CliRun r = run(dir, args);
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("range test: lr 1.00e-07 to 10.0 over 40 iterations"), r.out());
        assertTrue(r.out().matches("(?s).*range test: \\d+ iterations, lr 1\\.00e-07 to .*; steep .*; minimum/10 .*; "
                + "valley .*"), r.out());
        List<String> csv = Files.readAllLines(dir.resolve("lr-find.csv"));
        assertEquals("iteration,lr,loss,smoothed_loss", csv.get(0));
        assertTrue(csv.size() >= 2 && csv.size() <= 41, csv.size() + " rows");
        String[] first = csv.get(1).split(",");
        assertEquals("0", first[0]);
        assertEquals(1e-7, Double.parseDouble(first[1]), 1e-19);
        assertEquals(Double.parseDouble(first[2]), Double.parseDouble(first[3]), 1e-12, "smoothed_0 = loss_0");
        List<String> suggestions = Files.readAllLines(dir.resolve("lr-find-suggestions.csv"));
        assertEquals("suggestion,lr,iteration,point_lr,smoothed_loss,used", suggestions.get(0));
        assertEquals(List.of("steep", "minimum/10", "valley"),
                suggestions.subList(1, suggestions.size()).stream().map(l -> l.split(",")[0]).toList());
        assertTrue(suggestions.stream().skip(1).allMatch(l -> l.endsWith(",false")), "lr-find itself uses none");
        byte[] png = Files.readAllBytes(dir.resolve("lr-find.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
        assertFalse(Files.exists(dir.resolve("model.zip")), "the range test saves no model");
        assertFalse(Files.exists(dir.resolve("checkpoints")), "and writes no checkpoint");

        byte[] before = Files.readAllBytes(dir.resolve("lr-find.csv"));
        assertRefused(run(dir, args), "already holds lr-find.csv", "--overwrite");
        assertEquals(List.of(new String(before)), List.of(Files.readString(dir.resolve("lr-find.csv"))));
    }

    @Test
    void helpListsTrainsFlagsAndTheRangeTestsOwn() {
        CliRun r = CliRun.of("lr-find", "--help");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        for (String flag : List.of("--start-lr", "--end-lr", "--num-it", "--no-stop-div", "--workers", "--batch-size",
                "--averaging-frequency", "--data", "--model-in", "--max-examples", "--seed")) {
            assertTrue(r.out().contains(flag), flag + " in:\n" + r.out());
        }
        assertTrue(CliRun.of("train", "--help").out().contains("--num-it"), "train --lr-max auto takes them too");
    }
}
