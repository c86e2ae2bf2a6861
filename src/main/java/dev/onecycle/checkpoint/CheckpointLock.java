package dev.onecycle.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The {@code LOCK} file that keeps two jobs from writing one checkpoint folder: a lease with a fencing token.
 *
 * <p>It names its owner (host, pid, the process's start time, so that a reused pid is not taken for the owner)
 * and carries a <b>fencing token</b>: a generation that grows by one with every takeover, plus a random part
 * that tells two acquisitions of one generation apart. Its modification time is a heartbeat, refreshed from the
 * lock's own daemon thread for as long as it is held (data loading, the range test, evaluation, checkpoint
 * writes alike).
 *
 * <p>A held lock is taken over only when its owner is certainly gone: a process on this host that is no longer
 * running (or whose pid now belongs to a process started at another time), or an owner on another host whose
 * heartbeat is older than the stale time. An owner alive on this host is never stale, however old its heartbeat
 * (a driver paused by SIGSTOP, a long GC, a frozen VM).
 *
 * <p>Fencing (as Kafka fences a zombie producer by its epoch, and HDFS recovers a lease by bumping the generation
 * stamp): before every write to the checkpoint or run folder the owner calls {@link #check()}. Within half the
 * stale time of the last confirmation (on the monotonic clock, which runs on while a process is paused) nobody
 * can have taken the lock over, so the check costs nothing; past it, or once the heartbeat thread saw the
 * lock gone or holding another token, the check reads the lock and throws {@link LockLostException}. A file
 * system cannot refuse a stale token the way a Kafka broker does, so the owner checks its own token: a pause
 * between a check and the write it guards cannot be excluded, but every write after it is.
 */
public final class CheckpointLock implements AutoCloseable, Fence {
    /** A lock without a heartbeat for this long is stale (a driver killed on another host). */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(5);
    /** Test hook: the stale time in milliseconds (short, so a test can pause a child past it). */
    static final String STALE_AFTER_PROPERTY = "onecycle.checkpoint.lockStaleAfterMillis";
    /** Test hook: the host name written into the lock (a child that plays a driver on another host). */
    static final String HOST_PROPERTY = "onecycle.checkpoint.lockHost";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path path;
    private final String owner;
    private final long generation;
    private final long leaseNanos;
    private final ScheduledExecutorService beats;
    private volatile long confirmedNanos;
    private volatile String lost;

    private CheckpointLock(FileSystem fs, Path path, String owner, long generation, Duration staleAfter) {
        this.fs = fs;
        this.path = path;
        this.owner = owner;
        this.generation = generation;
        this.leaseNanos = staleAfter.toNanos() / 2;
        this.confirmedNanos = System.nanoTime();
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "onecycle-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(20, Math.min(10_000, staleAfter.toMillis() / 10));
        beats.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * The stale time of a job's lock: {@link #DEFAULT_STALE_AFTER}, or the milliseconds of the system property
     * {@value #STALE_AFTER_PROPERTY} (tests).
     */
    public static Duration staleAfter() {
        long ms = Long.getLong(STALE_AFTER_PROPERTY, 0L);
        return ms > 0 ? Duration.ofMillis(ms) : DEFAULT_STALE_AFTER;
    }

    static CheckpointLock acquire(FileSystem fs, Path dir, Duration staleAfter, Consumer<String> log)
            throws IOException {
        fs.mkdirs(dir);
        Path path = new Path(dir, "LOCK");
        long generation = 1;
        String owner = ownerJson(generation);
        if (tryCreate(fs, path, owner)) {
            return new CheckpointLock(fs, path, owner, generation, staleAfter);
        }
        Map<?, ?> held = readOwner(fs, path);
        String why = staleReason(fs, path, held, staleAfter);
        if (why == null) {
            long age = Math.max(0, System.currentTimeMillis() - fs.getFileStatus(path).getModificationTime()) / 1000;
            boolean here = hostName().equals(held.get("host"));
            throw new CheckpointLockedException("checkpoint dir " + dir + " is in use by pid " + held.get("pid")
                    + " on " + held.get("host") + " (started " + held.get("startedAt") + ", last heartbeat " + age
                    + " s ago" + (here ? "; that process is alive on this host, so its lock is never stale" : "")
                    + "); stop that job first" + (here ? "" : ", or wait until its lock is stale (no heartbeat for "
                    + staleAfter.toSeconds() + " s)"));
        }
        generation = held.get("generation") instanceof Number ? ((Number) held.get("generation")).longValue() + 1 : 2;
        owner = ownerJson(generation);
        log.accept("taking over the stale lock of pid " + held.get("pid") + " on " + held.get("host") + " in " + dir
                + " (" + why + "); this job's fencing token is generation " + generation);
        fs.delete(path, false);
        if (!tryCreate(fs, path, owner)) {
            throw new CheckpointLockedException("checkpoint dir " + dir
                    + " was locked by another job while taking over a stale lock; stop that job first");
        }
        return new CheckpointLock(fs, path, owner, generation, staleAfter);
    }

    private static String ownerJson(long generation) throws IOException {
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("host", System.getProperty(HOST_PROPERTY, hostName()));
        ProcessHandle self = ProcessHandle.current();
        me.put("pid", self.pid());
        String start = processStart(self.pid());
        if (start != null) {
            me.put("processStart", start);
        }
        me.put("startedAt", Instant.now().toString());
        me.put("generation", generation);
        me.put("token", generation + "-" + UUID.randomUUID());
        return JSON.writeValueAsString(me);
    }

    private static boolean tryCreate(FileSystem fs, Path path, String owner) throws IOException {
        try (OutputStream out = fs.create(path, false)) {
            out.write(owner.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException | FSError e) {
            if (fs.exists(path)) {
                return false;
            }
            throw e instanceof IOException ? (IOException) e : new IOException(e.getMessage(), e);
        }
    }

    private static Map<?, ?> readOwner(FileSystem fs, Path path) {
        try (InputStream in = fs.open(path)) {
            return JSON.readValue(in, Map.class);
        } catch (IOException | RuntimeException e) {
            return Map.of("host", "?", "pid", "?", "startedAt", "?");
        }
    }

    /** Why a held lock is stale, or null if its owner may still be alive. */
    private static String staleReason(FileSystem fs, Path path, Map<?, ?> held, Duration staleAfter)
            throws IOException {
        if (hostName().equals(held.get("host")) && held.get("pid") instanceof Number) {
            long pid = ((Number) held.get("pid")).longValue();
            if (!running(pid)) {
                return "that process is not running";
            }
            Object recorded = held.get("processStart");
            String now = processStart(pid);
            if (recorded != null && now != null && !recorded.toString().equals(now)) {
                return "pid " + pid + " now belongs to another process (started " + now + ", the owner " + recorded
                        + ")";
            }
            return null; // alive on this host: never stale, however old its heartbeat
        }
        long age = System.currentTimeMillis() - fs.getFileStatus(path).getModificationTime();
        if (age > staleAfter.toMillis()) {
            return "no heartbeat for " + age / 1000 + " s";
        }
        return null;
    }

    /** True while {@code pid} is a process that has not exited (a stopped one runs; a zombie does not). */
    private static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        String stat = procStat(pid);
        if (stat == null) {
            return true;
        }
        String afterName = stat.substring(stat.lastIndexOf(')') + 1).trim();
        return !(afterName.startsWith("Z") || afterName.startsWith("X"));
    }

    /**
     * When {@code pid} started: its start time in clock ticks since boot from {@code /proc/<pid>/stat} (exact,
     * field 22), else the JDK's start instant; null if unknown.
     */
    static String processStart(long pid) {
        String stat = procStat(pid);
        if (stat != null) {
            String[] f = stat.substring(stat.lastIndexOf(')') + 1).trim().split("\\s+");
            if (f.length > 19) {
                return "ticks:" + f[19]; // field 22 of stat; f[0] is field 3
            }
        }
        return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()).map(Instant::toString).orElse(null);
    }

    private static String procStat(long pid) {
        try {
            return Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** This acquisition's generation (1 for a fresh lock, one more than the owner's it took over). */
    public long generation() {
        return generation;
    }

    /** The heartbeat: confirms the lock still holds this job's token, then refreshes its modification time. */
    private void beat() {
        if (lost != null) {
            return;
        }
        long started = System.nanoTime();
        try {
            if (confirm(started)) {
                fs.setTimes(path, System.currentTimeMillis(), -1);
            }
        } catch (IOException | RuntimeException | FSError e) {
            // an unreachable file system: the lease runs out and check() reads the lock itself
        }
    }

    /** Reads the lock; true (and the lease renewed from {@code started}) when it still holds this job's token. */
    private boolean confirm(long started) throws IOException {
        String content;
        try (InputStream in = fs.open(path)) {
            content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (FileNotFoundException e) {
            lost = "it was removed";
            return false;
        }
        if (!content.equals(owner)) {
            Map<?, ?> other;
            try {
                other = JSON.readValue(content, Map.class);
            } catch (IOException | RuntimeException e) {
                other = Map.of();
            }
            lost = "it was taken over by pid " + other.get("pid") + " on " + other.get("host") + " (generation "
                    + other.get("generation") + ")";
            return false;
        }
        confirmedNanos = started;
        return true;
    }

    /**
     * Fencing: returns when this job still owns the lock; otherwise throws {@link LockLostException} (call before
     * every write to the checkpoint or run folder). Reads the lock only when the lease has run out.
     */
    @Override
    public void check() {
        if (lost == null && System.nanoTime() - confirmedNanos < leaseNanos) {
            return;
        }
        if (lost == null) {
            long started = System.nanoTime();
            try {
                if (confirm(started)) {
                    fs.setTimes(path, System.currentTimeMillis(), -1);
                }
            } catch (IOException | RuntimeException | FSError e) {
                throw new LockLostException(path.getParent() + ": could not read this job's lock " + path + " ("
                        + e.getMessage() + ") after its lease ran out; it stopped before writing anything more, as "
                        + "another job may own the folder now: check that none does, then rerun with --resume");
            }
        }
        if (lost != null) {
            throw lostException();
        }
    }

    /** Why this job lost the lock (null while it holds it). */
    public String lost() {
        return lost;
    }

    /** The one line a job that lost its lock stops with. */
    public LockLostException lostException() {
        return new LockLostException("checkpoint dir " + path.getParent() + ": this job (pid "
                + ProcessHandle.current().pid() + ", fencing token generation " + generation + ") lost its lock: "
                + lost + ", while this job did not run (paused, or cut off from the file system, for longer than the "
                + "lock's stale time); it stopped before writing anything more to the checkpoint or run folder, "
                + "which the other job owns now");
    }

    /** Stops the heartbeat and removes the lock if it is still this job's. */
    @Override
    public void close() throws IOException {
        beats.shutdownNow();
        try (InputStream in = fs.open(path)) {
            String content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!content.equals(owner)) {
                return;
            }
        } catch (FileNotFoundException e) {
            return;
        }
        fs.delete(path, false);
    }
}
