package dev.onecycle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint lock as a lease with a fencing token (issue 23): an owner alive on this host is never stale
 * (a real stopped process), a reused pid is not the owner, the heartbeat beats on its own, a takeover bumps the
 * generation, and an owner whose lock was taken writes nothing more.
 */
class CheckpointLockTest {
    @TempDir
    Path tmp;

    private CheckpointStore store() throws IOException {
        return CheckpointStore.open(tmp.resolve("ckpt").toString(), new Configuration());
    }

    private Path lockFile() {
        return tmp.resolve("ckpt").resolve("LOCK");
    }

    private Path writeLock(String host, long pid, String processStart, long generation, long ageMillis)
            throws IOException {
        Files.createDirectories(tmp.resolve("ckpt"));
        Path lock = Files.writeString(lockFile(), "{\"host\":\"" + host + "\",\"pid\":" + pid
                + (processStart == null ? "" : ",\"processStart\":\"" + processStart + "\"")
                + ",\"startedAt\":\"then\",\"generation\":" + generation + ",\"token\":\"" + generation + "-x\"}");
        Files.setLastModifiedTime(lock, FileTime.fromMillis(System.currentTimeMillis() - ageMillis));
        return lock;
    }

    private static String host() throws IOException {
        return java.net.InetAddress.getLocalHost().getHostName();
    }

    private static void signal(long pid, String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start();
        assertEquals(0, p.waitFor(), "kill -" + sig + " " + pid);
    }

    @Test
    void stoppedOwnerAliveOnThisHostIsNeverStaleButADeadOrReusedPidIs() throws Exception {
        Process owner = new ProcessBuilder("sleep", "600").start();
        try {
            signal(owner.pid(), "STOP"); // a paused driver: SIGSTOP, a long GC, a frozen VM
            String start = CheckpointLock.processStart(owner.pid());
            assertNotNull(start);
            writeLock(host(), owner.pid(), start, 3, 3_600_000); // heartbeat an hour old
            CheckpointLockedException e = assertThrows(CheckpointLockedException.class,
                    () -> store().lock(Duration.ofSeconds(1), m -> { }));
            assertTrue(e.getMessage().contains("in use by pid " + owner.pid())
                    && e.getMessage().contains("alive on this host, so its lock is never stale"), e.getMessage());

            // the same pid with another start time: the pid was reused, the owner is gone
            writeLock(host(), owner.pid(), "ticks:1", 3, 0);
            List<String> log = new ArrayList<>();
            try (CheckpointLock lock = store().lock(Duration.ofMinutes(5), log::add)) {
                assertTrue(log.get(0).contains("now belongs to another process"), log.toString());
                assertEquals(4, lock.generation(), "a takeover bumps the fencing generation");
            }
        } finally {
            owner.destroyForcibly();
            owner.waitFor(10, TimeUnit.SECONDS);
        }
        writeLock(host(), owner.pid(), CheckpointLock.processStart(ProcessHandle.current().pid()), 7, 0);
        List<String> log = new ArrayList<>();
        try (CheckpointLock lock = store().lock(Duration.ofMinutes(5), log::add)) {
            assertTrue(log.get(0).contains("not running"), log.toString());
            assertEquals(8, lock.generation());
        }
        try (CheckpointLock fresh = store().lock(Duration.ofMinutes(5), m -> { })) {
            assertEquals(1, fresh.generation(), "released: a fresh lock starts a new chain");
        }
    }

    @Test
    void ownerOnAnotherHostIsStaleOnlyWithoutHeartbeat() throws Exception {
        writeLock("another-host", 1, null, 5, 0);
        assertThrows(CheckpointLockedException.class, () -> store().lock(Duration.ofSeconds(30), m -> { }));
        writeLock("another-host", 1, null, 5, 60_000);
        List<String> log = new ArrayList<>();
        try (CheckpointLock lock = store().lock(Duration.ofSeconds(30), log::add)) {
            assertTrue(log.get(0).contains("no heartbeat") && log.get(0).contains("generation 6"), log.toString());
            assertEquals(6, lock.generation());
        }
    }

    @Test
    void heartbeatBeatsFromItsOwnThreadWhileTheJobDoesNothing() throws Exception {
        try (CheckpointLock lock = store().lock(Duration.ofSeconds(1), m -> { })) {
            Files.setLastModifiedTime(lockFile(), FileTime.fromMillis(System.currentTimeMillis() - 600_000));
            Thread.sleep(600); // no call on the lock: a long range test, an evaluation, a data load
            long age = System.currentTimeMillis() - Files.getLastModifiedTime(lockFile()).toMillis();
            assertTrue(age < 2_000, "heartbeat refreshed by its thread; age " + age + " ms");
            lock.check();
        }
    }

    @Test
    void anOwnerWhoseLockWasTakenOverWritesNothingMore() throws Exception {
        CheckpointStore store = store();
        Network n = CheckpointStoreTest.net(1);
        try (CheckpointLock lock = store.lock(Duration.ofSeconds(1), m -> { })) {
            store.write(CheckpointStoreTest.state(1, n), n, lock); // owned: written
            // another job takes the lock over (as one on another host does after the stale time)
            String other = "{\"host\":\"elsewhere\",\"pid\":4242,\"generation\":2,\"token\":\"2-y\"}";
            Files.writeString(lockFile(), other);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lock.lost() == null && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            LockLostException e = assertThrows(LockLostException.class, lock::check);
            assertTrue(e.getMessage().contains("lost its lock: it was taken over by pid 4242 on elsewhere "
                    + "(generation 2)") && e.getMessage().contains("stopped before writing anything more")
                    && !e.getMessage().contains("\n"), e.getMessage());
            Network n2 = CheckpointStoreTest.net(2);
            assertThrows(LockLostException.class, () -> store.write(CheckpointStoreTest.state(2, n2), n2, lock));
            assertThrows(LockLostException.class, () -> store.prune(0, lock));
            try (Stream<Path> s = Files.list(tmp.resolve("ckpt"))) {
                assertEquals(List.of("LOCK", "epoch-0001"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                        "no new checkpoint, no temporary folder, nothing pruned");
            }
            lock.close();
            assertEquals(other, Files.readString(lockFile()), "the new owner's lock is left alone");
        }
    }

    @Test
    void aRemovedLockIsLostToo() throws Exception {
        try (CheckpointLock lock = store().lock(Duration.ofSeconds(1), m -> { })) {
            Files.delete(lockFile());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lock.lost() == null && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            LockLostException e = assertThrows(LockLostException.class, lock::check);
            assertTrue(e.getMessage().contains("it was removed"), e.getMessage());
        }
    }
}
