package dev.onecycle.run;

import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.Fence;
import dev.onecycle.checkpoint.LockLostException;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.spark.CheckpointWriteException;
import dev.onecycle.spark.DivergenceGuard;
import dev.onecycle.spark.EpochCheckpointer;
import dev.onecycle.spark.OneCycleTrainer;
import dev.onecycle.spark.TrainingObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;

/**
 * The checkpointed fit of a run, for both front ends: it takes the checkpoint folder's lock (and fences the
 * front end's other writes with it), removes an earlier run's unfinished writes, counts the start in the
 * crash-loop ledger (with a restart limit), and hands the front end a trainer from its {@link RunStart} with the
 * observers in their order: the stop check and the divergence guard first (nothing records or saves a stopped
 * or NaN round), then the front end's own (progress, records), then the checkpointer and the graceful stop. When
 * the fit fails or is stopped it waits for a checkpoint write in flight, keeps or discards the front end's
 * partial outputs, puts the ledger back after a refusal (bad input is no start), and releases the lock.
 */
public final class CheckpointedFit {
    /** The front end's outputs besides checkpoints (the command line's run folder). */
    public interface Outputs {
        /** A front end whose only output is what the fit returns (the estimator's model). */
        Outputs NONE = new Outputs() {
            @Override
            public void fenceWith(Fence fence) {
            }

            @Override
            public void discardUnfinished(boolean resumable) {
            }
        };

        /** No write once the lock is lost (another job owns the folders then). */
        void fenceWith(Fence fence);

        /** After a failure or a stop: removes unfinished outputs; {@code resumable}: a checkpoint continues them. */
        void discardUnfinished(boolean resumable);
    }

    /** What the front end does inside the fit: records, trains with {@link Session#trainer}, writes its outputs. */
    @FunctionalInterface
    public interface Body<R> {
        R fit(Session session) throws IOException;
    }

    /** The fit in progress, as the front end sees it. */
    public final class Session {
        private final RunStart start;
        private final RunCheckpoints checkpoints;
        private EpochCheckpointer checkpointer;

        private Session(RunStart start, RunCheckpoints checkpoints) {
            this.start = start;
            this.checkpoints = checkpoints;
        }

        /** The trainer of the rest of the slice, the front end's {@code observers} in their place. */
        public OneCycleTrainer.Builder trainer(TrainingObserver... observers) {
            if (checkpoints.active() && checkpointer == null) {
                checkpointer = checkpoints.checkpointer(settings, progress);
                if (keepTrainingOnFailedWrites) {
                    checkpointer.keepTrainingOnFailedWrites();
                }
            }
            OneCycleTrainer.Builder b = start.trainer(settings).optObserver(stop.atRounds())
                    .optObserver(new DivergenceGuard());
            for (TrainingObserver o : observers) {
                b.optObserver(o);
            }
            b.optObserver(stop.position());
            if (checkpointer != null) {
                b.optObserver(checkpointer);
                // inside an epoch, a stop writes a checkpoint of the state after the last averaged round
                b.optObserver(stop.atCheckpoint(checkpointer));
            }
            // at an epoch's end, stop after its checkpoint was begun (it is finished when the fit ends)
            return b.optObserver(stop.atEpochEnds());
        }

        /** The checkpointer (null: no checkpoints, or no training yet): which writes failed. */
        public EpochCheckpointer checkpointer() {
            return checkpointer;
        }
    }

    private final RunSettings settings;
    private final RunNaming naming;
    private final GracefulStop stop;
    private final Consumer<String> log;
    private final PrintWriter progress;
    private int maxRestarts = -1;
    private String restartLimit;
    private boolean keepTrainingOnFailedWrites;
    private boolean releaseFailureWarns;

    /** {@code log}: what the fit decides; {@code progress}: the checkpointer's lines. */
    public CheckpointedFit(RunSettings settings, RunNaming naming, GracefulStop stop, Consumer<String> log,
            PrintWriter progress) {
        this.settings = settings;
        this.naming = naming;
        this.stop = stop;
        this.log = log;
        this.progress = progress;
    }

    /**
     * Counts each start in the checkpoint folder's ledger; a resumed run restarted more than {@code max} times
     * without a new checkpoint gives up ({@link CrashLoopException}; {@code limit}: the limit's name there).
     */
    public CheckpointedFit withRestartLimit(int max, String limit) {
        this.maxRestarts = max;
        this.restartLimit = limit;
        return this;
    }

    /** A checkpoint that cannot be written is reported and training goes on (the model is the output). */
    public CheckpointedFit keepTrainingOnFailedWrites() {
        this.keepTrainingOnFailedWrites = true;
        return this;
    }

    /**
     * A lock that cannot be released after the fit (the folder gone) is said on the log instead of failing a fit
     * whose result is in memory (the estimator's model); it goes stale and the next run takes it over.
     */
    public CheckpointedFit releaseFailureWarns() {
        this.releaseFailureWarns = true;
        return this;
    }

    /** Bad input found while running: refused, having written nothing. */
    public static boolean isRefusal(Throwable e) {
        return e instanceof RunInputException || e instanceof InvalidParameterException;
    }

    /** Runs {@code body} from {@code start} with {@code store}'s checkpoints (null: none). */
    public <R> R run(CheckpointStore store, Configuration hadoop, RunStart start, Outputs outputs, Body<R> body)
            throws IOException {
        RunCheckpoints checkpoints = RunCheckpoints.lock(store, naming, log);
        CheckpointLock lock = checkpoints.heldLock();
        Session session = new Session(start, checkpoints);
        RestartLedger ledger = null;
        if (lock != null) {
            outputs.fenceWith(lock); // fencing: no other write once the lock is lost
        }
        try {
            if (checkpoints.active()) {
                checkpoints.cleanTemporaries();
                if (maxRestarts >= 0) {
                    ledger = new RestartLedger(store, hadoop, log);
                    ledger.recordStart(start, settings.resume(), maxRestarts, restartLimit);
                }
            }
            return body.fit(session);
        } catch (Throwable e) { // SparkException is checked but thrown undeclared from Scala: catch it all
            stop.trainingEnded();
            EpochCheckpointer checkpointer = session.checkpointer;
            if (lock != null && lock.lost() != null || e instanceof LockLostException) {
                // fenced: another job owns the folders now; touch nothing more (not even the outputs'
                // temporaries: the other job's have the same names); a checkpoint write in flight stops at its
                // next fence check and removes only its own temporary folder; one line says so
                if (checkpointer != null) {
                    checkpointer.finishQuietly();
                }
                if (lock != null && lock.lost() != null) {
                    throw lock.lostException();
                }
                throw e;
            }
            if (e instanceof CheckpointWriteException && checkpointer != null && !checkpointer.failedWrites().isEmpty()) {
                throw e; // the outputs were saved; only checkpoints are missing
            }
            String unfinished = checkpointer == null ? null : checkpointer.finishQuietly();
            if (unfinished == null && stop.checkpoint() != null && checkpointer != null
                    && checkpointer.failed(stop.checkpoint())) {
                unfinished = "checkpoint " + stop.checkpoint() + " could not be written";
            }
            if (unfinished != null && stop.requested() != null) {
                log.accept("checkpoints: " + unfinished);
            }
            outputs.discardUnfinished(hasCheckpoint(store));
            if (ledger != null && isRefusal(e)) { // (still holding the lock) this start was refused: not a start
                ledger.undo();
            }
            if (stop.requested() != null) {
                boolean atCheckpoint = stop.checkpoint() != null && unfinished == null;
                if (atCheckpoint && ledger != null) {
                    ledger.recordGracefulStop();
                }
                throw stop.stopped(settings, store, atCheckpoint, naming);
            }
            throw e;
        } finally {
            release(checkpoints, store);
        }
    }

    private void release(RunCheckpoints checkpoints, CheckpointStore store) throws IOException {
        try {
            checkpoints.close();
        } catch (IOException e) {
            if (!releaseFailureWarns) {
                throw e;
            }
            log.accept("checkpoints: could not release " + store.dir() + "/LOCK (" + e.getMessage() + ")");
        }
    }

    /** True when the checkpoint folder holds a checkpoint that a resume would continue from. */
    private static boolean hasCheckpoint(CheckpointStore store) {
        try {
            return store != null && !store.candidates().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
