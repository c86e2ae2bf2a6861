package dev.onecycle.run;

import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointLockedException;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.EpochCheckpointer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The run's checkpoint folder, opened and locked the same way for both front ends: usable, holding no
 * checkpoints unless the run resumes (a second run never mixes its checkpoints with the first's), and, while the
 * run trains, locked (a second job on the same folder is refused, naming the holder), cleared of an earlier run's
 * unfinished writes, and written by the run's {@link EpochCheckpointer}. {@link #close} releases the lock.
 */
public final class RunCheckpoints implements AutoCloseable {
    private final CheckpointStore store;
    private final CheckpointLock lock;
    private final Consumer<String> log;

    private RunCheckpoints(CheckpointStore store, CheckpointLock lock, Consumer<String> log) {
        this.store = store;
        this.lock = lock;
        this.log = log;
    }

    /**
     * The checkpoint folder of a run that writes checkpoints ({@link RunSettings#checkpoints}), checked before
     * anything is trained; null for a run that writes none.
     */
    public static CheckpointStore open(RunSettings s, Configuration hadoop, RunNaming n) {
        if (!s.checkpoints()) {
            return null;
        }
        CheckpointStore store;
        List<Path> existing;
        try {
            store = CheckpointStore.open(s.checkpointDir(), hadoop);
            store.checkUsable();
            existing = store.candidates();
        } catch (IOException | RuntimeException e) { // Hadoop reports an unknown host as IllegalArgumentException
            throw n.refusal(Settings.CHECKPOINT_DIR, "must be a usable folder (" + rootMessage(e) + ")",
                    s.checkpointDir());
        }
        if (!s.resume() && !existing.isEmpty()) {
            throw n.refusal(Settings.CHECKPOINT_DIR, "already holds checkpoints (newest " + existing.get(0).getName()
                    + "); " + n.turnOn(Settings.RESUME) + " to continue that run, or use another "
                    + n.of(Settings.CHECKPOINT_DIR), store.dir());
        }
        return store;
    }

    /**
     * Takes the lock of {@code store} (null: a run without checkpoints, nothing to lock) for the training; a
     * folder another live job holds is refused, naming that job.
     */
    public static RunCheckpoints lock(CheckpointStore store, RunNaming n, Consumer<String> log) throws IOException {
        if (store == null) {
            return new RunCheckpoints(null, null, log);
        }
        try {
            return new RunCheckpoints(store, store.lock(CheckpointLock.staleAfter(),
                    m -> log.accept("checkpoints: " + m)), log);
        } catch (CheckpointLockedException e) {
            String m = e.getMessage();
            String self = "checkpoint dir " + store.dir() + " ";
            throw n.refusal(Settings.CHECKPOINT_DIR, m.startsWith(self) ? m.substring(self.length()) : m, store.dir());
        } catch (IOException e) {
            throw new IOException("could not take the lock " + store.dir() + "/LOCK (" + e.getMessage() + ")", e);
        }
    }

    /** True for a run that writes checkpoints (it holds the lock). */
    public boolean active() {
        return lock != null;
    }

    /** The lock held (null: no checkpoints): what fences the run's other writes. */
    public CheckpointLock heldLock() {
        return lock;
    }

    /** Removes the unfinished checkpoint writes of an earlier run (a killed one), saying which. */
    public void cleanTemporaries() throws IOException {
        if (store != null) {
            for (Path t : store.cleanTemporaries()) {
                log.accept("checkpoints: removed the unfinished write " + t.getName());
            }
        }
    }

    /**
     * The checkpointer of this run: after each epoch (and inside it at the settings' cadence) a checkpoint,
     * keeping the newest {@code keepCheckpoints}; its progress lines to {@code out}.
     */
    public EpochCheckpointer checkpointer(RunSettings s, PrintWriter out) {
        return new EpochCheckpointer(store, lock, s.keepCheckpoints(), out, s.checkpointCadence());
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        if (lock != null) {
            lock.close();
        }
    }

    /** The exception's first line, or an unknown host anywhere in its causes (Hadoop wraps it deeply). */
    public static String rootMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.split("\\R", 2)[0].strip();
    }
}
