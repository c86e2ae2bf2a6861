package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real driver processes stopped inside an epoch (issue 15): killed with SIGKILL just after a mid-epoch
 * checkpoint, stopped with SIGTERM (a checkpoint of the round it finished, exit 75, the lock released), stopped
 * during a checkpoint write, stopped twice in a row; each resumed with {@code --resume} and compared with one
 * uninterrupted run: final parameters and updater state bitwise, every row of applied-schedule.csv and metrics.csv
 * (times aside). Epochs of 38 rounds (a Spark job each on the driver path), so signals land inside an epoch.
 */
class MidEpochStopAndResumeTest {
    private static final Duration RUN = Duration.ofMinutes(4);
    @TempDir
    static Path tmp;
    private static Path reference;

    static String[] args(Path runDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("--master", "local[2]", "--workers", "2", "--tot-epochs", "3",
                "--max-examples", "1200", "--batch-size", "8", "--hidden", "24", "--averaging-frequency", "2",
                "--averaging", "driver", "--run-dir", runDir.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @BeforeAll
    static void uninterruptedReferenceRun() throws Exception {
        reference = tmp.resolve("uninterrupted");
        try (ChildJob job = ChildJob.start(tmp.resolve("uninterrupted.log"), List.of(), args(reference))) {
            assertEquals(0, job.await(RUN), job.output());
        }
    }

    private static void assertSameAsReference(Path runDir) throws IOException {
        SameRun.assertSameAs(reference, runDir);
    }

    private static String resume(Path runDir, String logName, String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of(args(runDir, extra)));
        a.add("--resume");
        try (ChildJob job = ChildJob.start(tmp.resolve(logName), List.of(), a.toArray(new String[0]))) {
            assertEquals(0, job.await(RUN), job.output());
            return job.output();
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static void assertNothingHalfWritten(Path run) throws IOException {
        for (String f : files(run)) {
            assertFalse(f.contains(".tmp-") || f.endsWith(".model.zip.inprogress"), "nothing half-written: " + files(run));
        }
    }

    private static boolean tempWithState(Path checkpoints, String prefix) {
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().contains(".tmp-") && Files.exists(p.resolve("state.json")));
        } catch (IOException e) {
            return false;
        }
    }

    private static void sigterm(ChildJob job) {
        ProcessHandle.of(job.pid()).orElseThrow().destroy();
    }

    /** The checkpoint named in the one stop line, e.g. {@code epoch-0001-round-0042}. */
    private static String stopCheckpoint(String output) {
        List<String> ours = output.lines().filter(l -> l.startsWith("onecycle: ")).toList();
        assertEquals(1, ours.size(), output);
        Matcher m = Pattern.compile("wrote checkpoint (epoch-\\d{4}-round-\\d{4}) in ").matcher(ours.get(0));
        assertTrue(m.find() && ours.get(0).contains("--resume"), ours.get(0));
        return m.group(1);
    }

    @Test
    void sigkillJustAfterAMidEpochCheckpointResumesFromItToTheUninterruptedResult() throws Exception {
        Path run = tmp.resolve("killed");
        try (ChildJob job = ChildJob.start(tmp.resolve("killed.log"), List.of(),
                args(run, "--checkpoint-every", "10"))) {
            job.awaitOutput(out -> out.contains("checkpoint epoch-0001-round-0020 written"), RUN);
            job.kill();
        }
        assertFalse(Files.exists(run.resolve("model.zip")));
        String log = resume(run, "killed-resumed.log", "--checkpoint-every", "10");
        Matcher m = Pattern.compile("resuming from \\S*(epoch-0001-round-00[23]0): 1 of 3 epochs and (\\d+) rounds")
                .matcher(log);
        assertTrue(m.find(), "resumed inside epoch 2 from the mid-epoch checkpoint: " + log);
        assertSameAsReference(run);
    }

    @Test
    void sigtermMidEpochWritesACheckpointReleasesTheLockExits75AndResumesExactly() throws Exception {
        Path run = tmp.resolve("terminated");
        String output;
        double stopSeconds;
        try (ChildJob job = ChildJob.start(tmp.resolve("terminated.log"), List.of(), args(run))) {
            job.awaitOutput(out -> out.contains("checkpoint epoch-0001 written"), RUN);
            Thread.sleep(400); // inside epoch 2
            long signalled = System.nanoTime();
            sigterm(job);
            int exit = job.await(Duration.ofSeconds(30));
            stopSeconds = (System.nanoTime() - signalled) / 1e9;
            output = job.output();
            assertEquals(Main.EXIT_STOPPED_AT_CHECKPOINT, exit, output);
        }
        System.out.printf("graceful stop: exit %.2f s after SIGTERM%n", stopSeconds);
        String name = stopCheckpoint(output);
        assertTrue(name.startsWith("epoch-0001-round-"), name);
        assertTrue(Files.exists(run.resolve("checkpoints").resolve(name).resolve("MANIFEST.json")), files(run).toString());
        assertFalse(Files.exists(run.resolve("checkpoints/LOCK")), "lock released: " + files(run));
        assertNothingHalfWritten(run);
        assertTrue(Files.readString(run.resolve("checkpoints/RESTARTS.json")).contains("\"startsWithoutProgress\":0"),
                "a graceful stop is no failure without progress");
        String log = resume(run, "terminated-resumed.log");
        assertTrue(log.contains("resuming from") && log.contains(name), log);
        assertFalse(log.contains("restart 1 of"), "the resume after a graceful stop is not counted: " + log);
        assertSameAsReference(run);
    }

    @Test
    void sigtermDuringACheckpointWriteFinishesItThenStopsAtItsOwnCheckpoint() throws Exception {
        Path run = tmp.resolve("terminated-in-write");
        Path checkpoints = run.resolve("checkpoints");
        String output;
        try (ChildJob job = ChildJob.start(tmp.resolve("terminated-in-write.log"),
                List.of("-Donecycle.checkpoint.pauseBeforeManifestMillis=2000"), args(run, "--checkpoint-every",
                        "20"))) {
            job.awaitOutput(out -> tempWithState(checkpoints, "epoch-0001-round-0020"), RUN);
            sigterm(job);
            int exit = job.await(Duration.ofSeconds(30));
            output = job.output();
            assertEquals(Main.EXIT_STOPPED_AT_CHECKPOINT, exit, output);
        }
        assertTrue(output.contains("checkpoint epoch-0001-round-0020 written"), "the write in flight completed: "
                + output);
        String name = stopCheckpoint(output);
        assertTrue(name.compareTo("epoch-0001-round-0020") > 0, name);
        assertNothingHalfWritten(run);
        assertFalse(Files.exists(checkpoints.resolve("LOCK")));
        String log = resume(run, "terminated-in-write-resumed.log");
        assertTrue(log.contains("resuming from") && log.contains(name), log);
        assertSameAsReference(run);
    }

    @Test
    void secondSignalExitsAtOnceAndTheHalfWrittenCheckpointIsNeverBelieved() throws Exception {
        Path run = tmp.resolve("twice");
        Path checkpoints = run.resolve("checkpoints");
        String output;
        try (ChildJob job = ChildJob.start(tmp.resolve("twice.log"),
                List.of("-Donecycle.checkpoint.pauseBeforeManifestMillis=20000"), args(run))) {
            job.awaitOutput(out -> out.contains("epoch 2/3  iter") || out.contains("epoch 1/3: test accuracy"), RUN);
            sigterm(job); // the stop's checkpoint now pauses 20 s before its manifest
            job.awaitOutput(out -> tempWithState(checkpoints, "epoch-0001-round-")
                    || tempWithState(checkpoints, "epoch-0001.tmp"), RUN);
            long second = System.nanoTime();
            sigterm(job);
            int exit = job.await(Duration.ofSeconds(15));
            output = job.output();
            assertEquals(143, exit, output);
            assertTrue((System.nanoTime() - second) / 1e9 < 10, "at once, not after the 20 s write");
        }
        assertTrue(output.contains("SIGTERM again: exiting now"), output);
        try (Stream<Path> s = Files.list(checkpoints)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("epoch-0001-round-")
                    && !p.getFileName().toString().contains(".tmp-")), "no unfinished checkpoint under its final name");
        }
        String log = resume(run, "twice-resumed.log");
        assertTrue(log.contains("removed the unfinished write epoch-0001"), log);
        assertTrue(log.contains("stale lock"), "the lock the exit left is taken over: " + log);
        assertNothingHalfWritten(run);
        assertSameAsReference(run);
    }

    @Test
    void shortCheckpointIntervalWritesMidEpochCheckpointsAndKeepsTheNewest() throws Exception {
        Path run = tmp.resolve("interval");
        try (ChildJob job = ChildJob.start(tmp.resolve("interval.log"), List.of(),
                args(run, "--checkpoint-interval", "1s", "--keep-checkpoints", "2"))) {
            assertEquals(0, job.await(RUN), job.output());
            String out = job.output();
            assertTrue(Pattern.compile("checkpoint epoch-000[012]-round-\\d{4} written").matcher(out).find(), out);
        }
        List<String> left;
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("epoch-")).sorted().toList();
        }
        assertEquals(List.of("epoch-0003"), left.subList(left.size() - 1, left.size()), left.toString());
        assertTrue(left.size() <= 2, "keep 2 counts mid-epoch checkpoints too: " + left);
        assertSameAsReference(run);
    }
}
