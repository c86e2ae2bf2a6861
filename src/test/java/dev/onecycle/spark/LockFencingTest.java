package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointLockedException;
import dev.onecycle.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real driver processes paused with SIGSTOP while they hold the checkpoint lock (issue 23): on this host a paused
 * owner is never taken over, however old its heartbeat; an owner "on another host" whose lock was taken over
 * while it was paused stops, once SIGCONT'd, with the fencing line and exit 77, and writes nothing more.
 */
class LockFencingTest {
    private static final Duration RUN = Duration.ofMinutes(4);
    /** Short lock times in the child, so a pause of a few seconds outlasts them. */
    private static final String STALE = "-Donecycle.checkpoint.lockStaleAfterMillis=1500";
    @TempDir
    Path tmp;

    private static String[] args(Path runDir) {
        return new String[] {"--master", "local[2]", "--workers", "2", "--tot-epochs", "4", "--max-examples", "1200",
            "--batch-size", "8", "--hidden", "24", "--averaging-frequency", "5", "--run-dir", runDir.toString()};
    }

    private static void signal(long pid, String sig) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor(), sig);
    }

    @Test
    void aPausedOwnerOnThisHostIsNeverTakenOverAndFinishes() throws Exception {
        Path run = tmp.resolve("paused");
        try (ChildJob job = ChildJob.start(tmp.resolve("paused.log"), List.of(STALE), args(run))) {
            job.awaitOutput(out -> out.contains("checkpoint epoch-0001 written"), RUN);
            signal(job.pid(), "STOP");
            try {
                Thread.sleep(3_000); // twice the stale time without a heartbeat
                long age = System.currentTimeMillis()
                        - Files.getLastModifiedTime(run.resolve("checkpoints/LOCK")).toMillis();
                assertTrue(age > 1_500, "the paused owner's heartbeat is old: " + age + " ms");
                CheckpointStore store = CheckpointStore.open(run.resolve("checkpoints").toString(),
                        new Configuration());
                CheckpointLockedException e = assertThrows(CheckpointLockedException.class,
                        () -> store.lock(Duration.ofMillis(1_500), m -> { }));
                assertTrue(e.getMessage().contains("in use by pid " + job.pid())
                        && e.getMessage().contains("alive on this host"), e.getMessage());
            } finally {
                signal(job.pid(), "CONT");
            }
            assertEquals(0, job.await(RUN), job.output());
            assertFalse(job.output().contains("lost its lock"), job.output());
        }
        assertTrue(Files.exists(run.resolve("model.zip")));
        assertFalse(Files.exists(run.resolve("checkpoints/LOCK")), "released at the end");
    }

    @Test
    void anOwnerTakenOverWhilePausedStopsWithTheFencingLineAndWritesNothingMore() throws Exception {
        Path run = tmp.resolve("fenced");
        Path checkpoints = run.resolve("checkpoints");
        // the child plays a driver on another host: its lock is stale once its heartbeat is old
        try (ChildJob job = ChildJob.start(tmp.resolve("fenced.log"),
                List.of(STALE, "-Donecycle.checkpoint.lockHost=another-host"), args(run))) {
            job.awaitOutput(out -> out.contains("checkpoint epoch-0001 written"), RUN);
            signal(job.pid(), "STOP");
            Map<String, String> before;
            List<String> log = new ArrayList<>();
            CheckpointLock taken;
            try {
                Thread.sleep(3_000);
                CheckpointStore store = CheckpointStore.open(checkpoints.toString(), new Configuration());
                taken = store.lock(Duration.ofMillis(1_500), log::add); // a second job takes the stale lock over
                before = snapshot(run);
            } finally {
                signal(job.pid(), "CONT");
            }
            try (taken) {
                assertTrue(log.get(0).contains("taking over the stale lock of pid " + job.pid() + " on another-host")
                        && log.get(0).contains("generation 2"), log.toString());
                assertEquals(77, job.await(RUN), job.output());
                String out = job.output().strip();
                // the one line of the job (Spark may still log the cancel of the job it had in flight)
                String last = out.lines().filter(l -> l.startsWith("onecycle:")).reduce((a, b) -> b).orElse("");
                assertTrue(last.startsWith("onecycle: checkpoint dir ") && last.contains("lost its lock: it was taken "
                        + "over by pid " + ProcessHandle.current().pid()) && last.contains("generation 2")
                        && last.contains("stopped before writing anything more"), out);
                assertEquals(1, out.lines().filter(l -> l.startsWith("onecycle:")).count(), out);
                assertEquals(before, snapshot(run), "the fenced job wrote, renamed and deleted nothing");
            }
        }
    }

    /** Every file under {@code dir}: size and SHA-256 (LOCK: its content, its heartbeat is the new owner's). */
    private static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String name = dir.relativize(p).toString();
                m.put(name, Files.isDirectory(p) ? "dir" : name.endsWith("LOCK") ? Files.readString(p)
                        : Files.size(p) + " " + sha(p));
            }
        }
        return m;
    }

    private static String sha(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
