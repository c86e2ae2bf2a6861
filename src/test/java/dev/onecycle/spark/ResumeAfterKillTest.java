package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real driver processes killed with SIGKILL, resumed with {@code --resume}: the result must equal an
 * uninterrupted run bitwise (parameters, applied schedule, metrics). One uninterrupted reference run is shared.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResumeAfterKillTest {
    private static final Duration RUN = Duration.ofMinutes(4);
    @TempDir
    static Path tmp;
    private static Path reference;

    static String[] args(Path runDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("--master", "local[2]", "--workers", "2", "--tot-epochs", "4",
                "--max-examples", "1200", "--batch-size", "8", "--hidden", "24", "--averaging-frequency", "5",
                "--run-dir", runDir.toString()));
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

    private static int resume(Path runDir, String logName) throws Exception {
        try (ChildJob job = ChildJob.start(tmp.resolve(logName), List.of(), args(runDir, "--resume"))) {
            int exit = job.await(RUN);
            assertEquals(0, exit, job.output());
            return exit;
        }
    }

    @Test
    @Order(1)
    void driverKilledMidEpochResumesToTheUninterruptedResult() throws Exception {
        Path run = tmp.resolve("killed-mid-epoch");
        try (ChildJob job = ChildJob.start(tmp.resolve("killed-mid-epoch.log"), List.of(), args(run))) {
            job.awaitOutput(out -> out.contains("checkpoint epoch-0002 written"), RUN);
            Thread.sleep(500);
            job.kill();
        }
        assertFalse(Files.exists(run.resolve("checkpoints/epoch-0004")), "killed before the end");
        assertFalse(Files.exists(run.resolve("model.zip")));
        resume(run, "killed-mid-epoch-resumed.log");
        String log = Files.readString(tmp.resolve("killed-mid-epoch-resumed.log"));
        assertTrue(log.contains("resuming from"), log);
        assertTrue(log.contains("stale lock"), "the dead driver's lock is taken over with a message: " + log);
        assertSameAsReference(run);
    }

    @Test
    @Order(2)
    void driverKilledDuringACheckpointWriteResumesFromThePreviousOne() throws Exception {
        Path run = tmp.resolve("killed-in-write");
        Path checkpoints = run.resolve("checkpoints");
        try (ChildJob job = ChildJob.start(tmp.resolve("killed-in-write.log"),
                List.of("-Donecycle.checkpoint.pauseBeforeManifestMillis=4000"), args(run))) {
            job.awaitOutput(out -> out.contains("epoch 2/4: test accuracy") && tempWithState(checkpoints, "epoch-0002"), RUN);
            job.kill();
        }
        assertTrue(Files.exists(checkpoints.resolve("epoch-0001/MANIFEST.json")));
        assertFalse(Files.exists(checkpoints.resolve("epoch-0002")), "the interrupted write never became a checkpoint");
        resume(run, "killed-in-write-resumed.log");
        String log = Files.readString(tmp.resolve("killed-in-write-resumed.log"));
        assertTrue(log.contains("epoch-0001") && log.contains("resuming from"), log);
        assertTrue(log.contains("removed the unfinished write epoch-0002.tmp-"), log);
        try (Stream<Path> s = Files.list(checkpoints)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "stale temps cleaned up");
        }
        assertSameAsReference(run);
    }

    private static boolean tempWithState(Path checkpoints, String name) {
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(name + ".tmp-")
                    && Files.exists(p.resolve("state.json")));
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    @Order(3)
    void corruptNewestCheckpointIsReportedAndSkippedOnResume() throws Exception {
        Path run = tmp.resolve("corrupt-newest");
        copyTree(reference, run);
        Path model = run.resolve("checkpoints/epoch-0004/model.zip");
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            f.seek(f.length() / 3);
            int b = f.read();
            f.seek(f.length() / 3);
            f.write(b ^ 0x01);
        }
        Files.delete(run.resolve("model.zip"));
        resume(run, "corrupt-newest.log");
        String log = Files.readString(tmp.resolve("corrupt-newest.log"));
        assertTrue(log.contains("skipping") && log.contains("epoch-0004") && log.contains("SHA-256"), log);
        assertTrue(log.contains("resuming from") && log.contains("epoch-0003"), log);
        assertSameAsReference(run);
    }

    @Test
    @Order(4)
    void resumeWithChangedSettingsIsRefusedAndTouchesNothing() throws Exception {
        Path run = tmp.resolve("changed");
        copyTree(reference, run);
        Map<String, String> before = snapshot(run);
        String[] a = args(run, "--resume", "--lr-max", "0.2");
        a[java.util.Arrays.asList(a).indexOf("--batch-size") + 1] = "16";
        try (ChildJob job = ChildJob.start(tmp.resolve("changed.log"), List.of(), a)) {
            assertEquals(2, job.await(RUN), job.output());
            String out = job.output();
            assertTrue(out.contains("onecycle: --resume:") && out.contains("lrMax: checkpoint 0.1, now 0.2")
                    && out.contains("batchSize: checkpoint 8, now 16") && out.contains("--accept-changed-settings"), out);
        }
        assertEquals(before, snapshot(run), "nothing in the run or checkpoint dir changed");
    }

    @Test
    @Order(5)
    void secondJobOnALockedCheckpointDirIsRefused() throws Exception {
        Path run = tmp.resolve("locked");
        copyTree(reference, run);
        CheckpointStore store = CheckpointStore.open(run.resolve("checkpoints").toString(), new Configuration());
        try (CheckpointLock held = store.lock(Duration.ofMinutes(5), m -> { });
                ChildJob job = ChildJob.start(tmp.resolve("locked.log"), List.of(), args(run, "--resume"))) {
            assertEquals(2, job.await(RUN), job.output());
            assertTrue(job.output().contains("is in use by pid " + ProcessHandle.current().pid()), job.output());
        }
    }

    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                m.put(dir.relativize(p).toString(), Files.isDirectory(p) ? "dir"
                        : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
