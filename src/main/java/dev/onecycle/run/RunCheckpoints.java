package dev.onecycle.run;

import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointLockedException;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.settings.Settings;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;

/**
 * The run's checkpoint folder, opened and locked the same way for both front ends: usable, holding no
 * checkpoints unless the run resumes (a second run never mixes its checkpoints with the first's), and locked
 * while the run trains (a second job on the same folder is refused, naming the holder).
 */
public final class RunCheckpoints {
    private RunCheckpoints() {
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
        List<org.apache.hadoop.fs.Path> existing;
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

    /** Takes the folder's lock; a folder another live job holds is refused, naming that job. */
    public static CheckpointLock lock(CheckpointStore store, RunNaming n, Consumer<String> log) throws IOException {
        try {
            return store.lock(CheckpointLock.staleAfter(), m -> log.accept("checkpoints: " + m));
        } catch (CheckpointLockedException e) {
            String m = e.getMessage();
            String self = "checkpoint dir " + store.dir() + " ";
            throw n.refusal(Settings.CHECKPOINT_DIR, m.startsWith(self) ? m.substring(self.length()) : m, store.dir());
        } catch (IOException e) {
            throw new IOException("could not take the lock " + store.dir() + "/LOCK (" + e.getMessage() + ")", e);
        }
    }

    /** The exception's first line, or an unknown host anywhere in its causes (Hadoop wraps it deeply). */
    public static String rootMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.split("\\R", 2)[0].strip();
    }
}
