package dev.onecycle.run;

import dev.onecycle.checkpoint.CheckpointStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The crash-loop guard of a resumed run ({@code RESTARTS.json} in the checkpoint folder, kept by
 * {@link CheckpointStore#recordStart}): each start at the same place without a new checkpoint counts; past the
 * limit the run gives up ({@link CrashLoopException}) instead of failing the same way forever under a supervisor.
 * A start that is then refused (bad input) is no start: {@link #undo} puts the ledger back as it was.
 */
public final class RestartLedger {
    private static final String LEDGER = "RESTARTS.json";

    private final CheckpointStore store;
    private final Configuration hadoop;
    private final Consumer<String> log;
    private byte[] before;
    private boolean recorded;

    public RestartLedger(CheckpointStore store, Configuration hadoop, Consumer<String> log) {
        this.store = store;
        this.hadoop = hadoop;
        this.log = log;
    }

    /**
     * Records this start at {@code start}; with {@code resume}, more than {@code maxRestarts} restarts in a row
     * without progress is a {@link CrashLoopException} ({@code limit}: how the user names the limit).
     */
    public void recordStart(RunStart start, boolean resume, int maxRestarts, String limit) throws IOException {
        int starts;
        try {
            before = read();
            recorded = true;
            starts = store.recordStart(start.startEpoch(), start.round());
        } catch (IOException e) {
            throw new IOException("could not write " + file() + " (" + e.getMessage() + ")", e);
        }
        int restarts = starts - 1;
        if (resume && restarts > maxRestarts) {
            throw new CrashLoopException("the job has been restarted " + restarts + " times at " + start.at()
                    + " without writing a new checkpoint (limit " + limit + " " + maxRestarts + "); it fails the "
                    + "same way every time: read the earlier drivers' logs, fix the cause, then delete " + file()
                    + " or raise " + limit);
        }
        if (restarts > 0) {
            log.accept("checkpoints: restart " + restarts + " of at most " + maxRestarts + " at " + start.at()
                    + " without progress");
        }
    }

    /** A stop that wrote its checkpoint: the next start is no restart. */
    public void recordGracefulStop() {
        try {
            store.recordGracefulStop();
        } catch (IOException e) {
            log.accept("checkpoints: could not record the graceful stop in " + file() + " (" + e.getMessage() + ")");
        }
    }

    /** Puts the ledger back as {@link #recordStart} found it (removes it when there was none): a refused start. */
    public void undo() {
        if (!recorded) {
            return;
        }
        try {
            FileSystem fs = fs();
            if (before == null) {
                fs.delete(file(), false);
            } else {
                try (OutputStream o = fs.create(file(), true)) {
                    o.write(before);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.accept("checkpoints: could not put back " + file() + " (" + e.getMessage() + ")");
        }
    }

    private Path file() {
        return new Path(store.dir(), LEDGER);
    }

    private FileSystem fs() throws IOException {
        return store.dir().getFileSystem(hadoop);
    }

    private byte[] read() throws IOException {
        FileSystem fs = fs();
        if (!fs.exists(file())) {
            return null;
        }
        try (InputStream in = fs.open(file())) {
            return in.readAllBytes();
        }
    }
}
