package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --lr-max auto} in real driver processes: the range test's choice is recorded in every
 * checkpoint, and a driver killed with SIGKILL and resumed takes it from there (the test is not re-run), ending
 * bitwise equal to an uninterrupted {@code --lr-max auto} run.
 */
class LrMaxAutoResumeTest {
    private static final Duration RUN = Duration.ofMinutes(4);
    @TempDir
    static Path tmp;
    private static Path reference;
    private static double chosen;

    private static String[] args(Path runDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("--master", "local[2]", "--workers", "2", "--tot-epochs", "3",
                "--max-examples", "1200", "--batch-size", "8", "--hidden", "24", "--averaging-frequency", "5",
                "--lr-max", "auto", "--run-dir", runDir.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @BeforeAll
    static void uninterruptedAutoRun() throws Exception {
        reference = tmp.resolve("uninterrupted");
        try (ChildJob job = ChildJob.start(tmp.resolve("uninterrupted.log"), List.of(), args(reference))) {
            assertEquals(0, job.await(RUN), job.output());
            String out = job.output();
            assertTrue(out.contains("range test: lr 1.00e-07 to 10.0 over 100 iterations"), out);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("lr-max auto: ([0-9.E-]+) \\(").matcher(out);
            assertTrue(m.find(), out);
            chosen = Double.parseDouble(m.group(1));
        }
    }

    private static void assertSameAsReference(Path runDir) throws IOException {
        Network model = Network.restore(runDir.resolve("model.zip").toFile());
        Network ref = Network.restore(reference.resolve("model.zip").toFile());
        assertEquals(ref.paramsSha256(), model.paramsSha256(), "bitwise identical final parameters");
        assertTrue(model.updaterState().equalsWithEps(ref.updaterState(), 0.0), "same updater state");
        assertEquals(Files.readAllLines(reference.resolve("applied-schedule.csv")),
                Files.readAllLines(runDir.resolve("applied-schedule.csv")), "same applied schedule, every row");
        assertEquals(Files.readAllLines(reference.resolve("lr-find.csv")),
                Files.readAllLines(runDir.resolve("lr-find.csv")), "the range test of the first driver, kept");
    }

    @Test
    void theChoiceIsInEveryCheckpointAndTheRunsSchedule() throws Exception {
        CheckpointStore store = CheckpointStore.open(reference.resolve("checkpoints").toString(), new Configuration());
        for (int epoch = 1; epoch <= 3; epoch++) {
            String name = String.format("epoch-%04d", epoch);
            double lrMax = store.verify(new org.apache.hadoop.fs.Path(store.dir(), name)).state().policy().lrMax();
            assertEquals(chosen, lrMax, 0.0, name);
        }
        List<String> suggestions = Files.readAllLines(reference.resolve("lr-find-suggestions.csv"));
        String auto = dev.onecycle.lrfind.Suggestions.AUTO;
        assertTrue(suggestions.stream().anyMatch(l -> l.startsWith(auto + "," + chosen + ",") && l.endsWith(",true")),
                suggestions.toString());
        assertEquals(1, suggestions.stream().filter(l -> l.endsWith(",true")).count(), suggestions.toString());
        assertTrue(Files.exists(reference.resolve("lr-find.png")));
    }

    @Test
    void killedAndResumedItTakesTheRecordedLrMaxAndEndsBitwiseEqual() throws Exception {
        Path run = tmp.resolve("killed");
        try (ChildJob job = ChildJob.start(tmp.resolve("killed.log"), List.of(), args(run))) {
            job.awaitOutput(out -> out.contains("checkpoint epoch-0001 written"), RUN);
            job.kill();
        }
        assertFalse(Files.exists(run.resolve("model.zip")), "killed before the end");
        try (ChildJob job = ChildJob.start(tmp.resolve("resumed.log"), List.of(), args(run, "--resume"))) {
            assertEquals(0, job.await(RUN), job.output());
            String out = job.output();
            assertTrue(out.contains("resuming from") && out.contains("lr-max auto: epoch-0001 recorded lrMax " + chosen
                    + "; the range test is not run again"), out);
            assertFalse(out.contains("range test: lr"), "no second range test: " + out);
        }
        assertSameAsReference(run);
    }

    @Test
    void resumingAnAutoRunWithAnotherLrMaxIsRefusedNamingBoth() throws Exception {
        String[] a = args(reference, "--resume");
        a[java.util.Arrays.asList(a).indexOf("auto")] = "0.2";
        try (ChildJob job = ChildJob.start(tmp.resolve("changed.log"), List.of(), a)) {
            assertEquals(2, job.await(RUN), job.output());
            assertTrue(job.output().contains("lrMax: checkpoint " + chosen + ", now 0.2"), job.output());
        }
    }
}
