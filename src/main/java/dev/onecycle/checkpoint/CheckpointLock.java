package dev.onecycle.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The {@code LOCK} file that keeps two jobs from writing one checkpoint folder. It names its owner (host,
 * pid, start time); its modification time is a heartbeat. A lock whose owner is a dead process on this host,
 * or whose heartbeat is older than the stale time, is taken over with a message; any other is refused.
 */
public final class CheckpointLock implements AutoCloseable {
    /** A lock without a heartbeat for this long is stale (a driver killed on another host). */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path path;
    private final String owner;
    private long lastBeat;

    private CheckpointLock(FileSystem fs, Path path, String owner) {
        this.fs = fs;
        this.path = path;
        this.owner = owner;
        this.lastBeat = System.currentTimeMillis();
    }

    static CheckpointLock acquire(FileSystem fs, Path dir, Duration staleAfter, Consumer<String> log)
            throws IOException {
        fs.mkdirs(dir);
        Path path = new Path(dir, "LOCK");
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("host", hostName());
        me.put("pid", ProcessHandle.current().pid());
        me.put("startedAt", Instant.now().toString());
        String owner = JSON.writeValueAsString(me);
        if (tryCreate(fs, path, owner)) {
            return new CheckpointLock(fs, path, owner);
        }
        Map<?, ?> held = readOwner(fs, path);
        String why = staleReason(fs, path, held, staleAfter);
        if (why == null) {
            long age = Math.max(0, System.currentTimeMillis() - fs.getFileStatus(path).getModificationTime()) / 1000;
            throw new CheckpointLockedException("checkpoint dir " + dir + " is in use by pid " + held.get("pid")
                    + " on " + held.get("host") + " (started " + held.get("startedAt") + ", last heartbeat " + age
                    + " s ago); stop that job first, or wait until its lock is stale (no heartbeat for "
                    + staleAfter.toSeconds() + " s)");
        }
        log.accept("taking over the stale lock of pid " + held.get("pid") + " on " + held.get("host") + " in " + dir
                + " (" + why + ")");
        fs.delete(path, false);
        if (!tryCreate(fs, path, owner)) {
            throw new CheckpointLockedException("checkpoint dir " + dir
                    + " was locked by another job while taking over a stale lock; stop that job first");
        }
        return new CheckpointLock(fs, path, owner);
    }

    private static boolean tryCreate(FileSystem fs, Path path, String owner) throws IOException {
        try (OutputStream out = fs.create(path, false)) {
            out.write(owner.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(path)) {
                return false;
            }
            throw e;
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
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                return "that process is not running";
            }
        }
        long age = System.currentTimeMillis() - fs.getFileStatus(path).getModificationTime();
        if (age > staleAfter.toMillis()) {
            return "no heartbeat for " + age / 1000 + " s";
        }
        return null;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Refreshes the heartbeat (at most every few seconds; cheap to call each round). */
    public void heartbeat() {
        long now = System.currentTimeMillis();
        if (now - lastBeat < 5_000) {
            return;
        }
        lastBeat = now;
        try {
            fs.setTimes(path, now, -1);
        } catch (IOException e) {
            // A missed heartbeat only makes the lock look stale sooner; training goes on.
        }
    }

    /** Removes the lock if it is still this job's. */
    @Override
    public void close() throws IOException {
        try (InputStream in = fs.open(path)) {
            String content = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!content.equals(owner)) {
                return;
            }
        } catch (java.io.FileNotFoundException e) {
            return;
        }
        fs.delete(path, false);
    }
}
