package dev.onecycle.job;

import dev.onecycle.checkpoint.Fence;
import dev.onecycle.run.CheckpointedFit;
import dev.onecycle.run.RunInputException;
import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's output folder. Files are written under a temporary name and renamed into place when complete, so
 * a failed or killed run never leaves a half-written file over a good one. With a {@link Fence} (the checkpoint
 * lock's), every write to it first checks that the job still owns the run ({@link #fenceWith}).
 */
public final class RunFolder implements CheckpointedFit.Outputs {
    /** The files a finished run leaves. */
    public static final List<String> OUTPUTS = List.of("applied-schedule.csv", "metrics.csv", "model.zip");

    private final Path dir;
    private volatile Fence fence = Fence.NONE;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /**
     * From now on every write to this folder (the growing CSVs' bytes, each {@link #commit}, and the callers'
     * {@link #checkWrite} before a file of their own) first calls {@code fence}, which throws once the job may no
     * longer write here.
     */
    @Override
    public void fenceWith(Fence fence) {
        this.fence = fence == null ? Fence.NONE : fence;
    }

    /** Throws ({@link dev.onecycle.checkpoint.LockLostException}) when the job may no longer write here. */
    public void checkWrite() {
        fence.check();
    }

    /**
     * Opens (creating it if needed) a run folder; refuses one that holds a finished run's outputs unless
     * {@code overwrite}.
     */
    public static RunFolder open(Path dir, boolean overwrite) {
        check(dir, overwrite);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new RunInputException("cannot create --run-dir " + dir + ": " + e);
        }
        if (!Files.isWritable(dir)) {
            throw new RunInputException("--run-dir " + dir + " is not writable");
        }
        return new RunFolder(dir);
    }

    /** The checks of {@link #open} without creating anything. */
    public static void check(Path dir, boolean overwrite) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new RunInputException("--run-dir " + dir + " is a file; give a folder");
        }
        List<String> existing = outputsIn(dir);
        if (!existing.isEmpty() && !overwrite) {
            throw new RunInputException("--run-dir " + dir + " already holds " + String.join(", ", existing)
                    + " from an earlier run; use a new --run-dir or add --overwrite");
        }
    }

    /** Which of a finished run's {@link #OUTPUTS} {@code dir} holds. */
    public static List<String> outputsIn(Path dir) {
        List<String> existing = new ArrayList<>();
        for (String name : OUTPUTS) {
            if (Files.exists(dir.resolve(name))) {
                existing.add(name);
            }
        }
        return existing;
    }

    /**
     * After a run that failed or was stopped: removes the temporary files of writes that will not be completed.
     * The growing CSVs are kept when {@code keepRowsForResume} (a {@code --resume} continues their rows from the
     * newest checkpoint), removed otherwise. Best effort: a file that cannot be removed is left.
     */
    @Override
    public void discardUnfinished(boolean keepRowsForResume) {
        List<String> names = new ArrayList<>(List.of("model.zip", "training.png"));
        if (!keepRowsForResume) {
            names.addAll(List.of("applied-schedule.csv", "metrics.csv"));
        }
        for (String name : names) {
            try {
                Files.deleteIfExists(temporary(name));
            } catch (IOException e) {
                // best effort: the next run overwrites it
            }
        }
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    /** A temporary sibling of {@code name}, renamed into place by {@link #commit(Path, String)}. */
    public Path temporary(String name) {
        return dir.resolve("." + name + ".inprogress");
    }

    /** Moves a complete temporary file to its final name (atomically where the file system can). */
    public Path commit(Path temporary, String name) throws IOException {
        fence.check();
        Path target = dir.resolve(name);
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** A writer for a CSV that grows while the run goes on; {@link #commit} it at the end. */
    public BufferedWriter growing(String name, String header) throws IOException {
        fence.check();
        OutputStream file = Files.newOutputStream(temporary(name));
        OutputStream fenced = new FilterOutputStream(file) {
            @Override
            public void write(int b) throws IOException {
                fence.check();
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                fence.check();
                out.write(b, off, len);
            }
        };
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(fenced, StandardCharsets.UTF_8));
        w.write(header);
        w.newLine();
        return w;
    }
}
