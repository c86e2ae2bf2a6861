package dev.onecycle.spark;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.Fence;
import dev.onecycle.checkpoint.LockLostException;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A {@link TrainingObserver} that writes a checkpoint after every epoch (driver side, through
 * {@link CheckpointStore}) and keeps the newest {@code keep}; with the folder's lock (if given) as its fence,
 * each write and deletion first checks the lock is still this job's ({@link CheckpointLock#check}).
 * {@code onecycle train} adds one; add it to your own {@link OneCycleTrainer} the same way.
 *
 * <p>The write runs in the background on a copy of the network taken at the end of the epoch, so the next
 * epoch trains meanwhile (the zip compression of DL4J's {@code ModelSerializer} is most of a write). The next
 * checkpoint, and the end of training, wait for it; a failed write fails the job there, naming the path (or,
 * after {@link #keepTrainingOnFailedWrites}, is reported in one line and training goes on).
 *
 * <p>With a {@link CheckpointCadence} it also writes mid-epoch checkpoints ({@code epoch-0008-round-0120}) of
 * the averaged state at a round boundary ({@link TrainingObserver#onRoundsAveraged}), the same way: a round
 * {@code --checkpoint-every} asks for ends its Spark job ({@link #wantsStateAfter}), so it is exact on both paths,
 * and the time cadence is taken at the next job boundary; a resume from
 * one continues that epoch at the next round, bitwise as if never stopped. {@link #checkpointNow} writes one at
 * once and waits (a graceful stop).
 */
public final class EpochCheckpointer implements TrainingObserver {
    private final CheckpointStore store;
    private final Fence fence;
    private final int keep;
    private final PrintWriter out;
    private final java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
                Thread t = new Thread(r, "onecycle-checkpoint-writer");
                t.setDaemon(true);
                return t;
            });
    private java.util.concurrent.Future<?> pending;
    private String abortFailure;
    private volatile boolean keepTraining;
    private final List<String> failedWrites = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final java.util.Set<String> failedNames = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final CheckpointCadence cadence;
    private long lastCheckpointNanos = System.nanoTime();
    /** (epoch, round) of the last checkpoint begun, or where the epoch (or a resumed fit) started. */
    private int lastEpoch = -1;
    private int lastRound;

    /** {@code lock} may be null (a notebook that owns its folder); {@code out} receives one line per checkpoint. */
    public EpochCheckpointer(CheckpointStore store, CheckpointLock lock, int keep, PrintWriter out) {
        this(store, lock, keep, out, CheckpointCadence.EPOCH_END_ONLY);
    }

    /** As above, plus mid-epoch checkpoints as often as {@code cadence} says. */
    public EpochCheckpointer(CheckpointStore store, CheckpointLock lock, int keep, PrintWriter out,
            CheckpointCadence cadence) {
        this.store = store;
        this.fence = lock == null ? Fence.NONE : lock;
        this.keep = keep;
        this.out = out;
        this.cadence = cadence;
    }

    /**
     * A checkpoint that cannot be written (a full disk, a lost connection) no longer fails the job: the failure is
     * reported in one line, later checkpoints are tried as due, and {@link #failedWrites} lists what failed so
     * the job can still save its trained model and then say so. A lost lock still stops it.
     */
    public EpochCheckpointer keepTrainingOnFailedWrites() {
        keepTraining = true;
        return this;
    }

    /** The messages of the writes that failed (after {@link #keepTrainingOnFailedWrites}), oldest first. */
    public List<String> failedWrites() {
        synchronized (failedWrites) {
            return List.copyOf(failedWrites);
        }
    }

    /** True when the checkpoint {@code name} was begun and could not be written. */
    public boolean failed(String name) {
        return failedNames.contains(name);
    }

    /** The state of a run that has completed {@code epochsDone} epochs of the plan's cycle. */
    static CheckpointState state(TrainingPlan plan, int epochsDone, Network network) {
        return new CheckpointState(CheckpointState.EPOCH_END_FORMAT, epochsDone,
                (long) epochsDone * plan.slice().itersPerEpoch(), plan.settings(), plan.slice().endEpoch(),
                plan.slice().itersPerEpoch(), plan.examples(), network == null ? null : network.paramsSha256(),
                Instant.now().toString(), null);
    }

    /** The state of a run {@code progress.roundsDone()} rounds into epoch {@code progress.epoch()}. */
    static CheckpointState state(TrainingPlan plan, EpochProgress progress, Network network) {
        int ipe = plan.slice().itersPerEpoch();
        return new CheckpointState(CheckpointState.FORMAT_VERSION, progress.epoch(),
                CheckpointState.iterationAt(progress.epoch(), progress.roundsDone(), ipe, plan.averagingFrequency()),
                plan.settings(), plan.slice().endEpoch(), ipe, plan.examples(), network.paramsSha256(),
                Instant.now().toString(), new CheckpointState.MidEpoch(progress.roundsDone(), progress.lossSum(),
                        progress.minibatches(), progress.seconds()));
    }

    @Override
    public void onStart(TrainingPlan plan) {
        lastCheckpointNanos = System.nanoTime();
    }

    @Override
    public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
        if (round.epoch() != lastEpoch) { // an epoch's first round: at 0, or where a resumed fit continues it
            lastEpoch = round.epoch();
            lastRound = round.round();
        }
    }

    /** Rounds {@code --checkpoint-every} asks for end their Spark job, so the driver holds exactly their state. */
    @Override
    public boolean wantsStateAfter(TrainingPlan plan, int epoch, int roundsDone) {
        return cadence.everyRounds() > 0 && roundsDone % cadence.everyRounds() == 0;
    }

    @Override
    public void onRoundsAveraged(TrainingPlan plan, EpochProgress progress, Network network) {
        if (cadence.due(lastRound, progress.roundsDone(),
                java.time.Duration.ofNanos(System.nanoTime() - lastCheckpointNanos))) {
            Network snapshot = network.copy();
            begin(state(plan, progress, snapshot), snapshot);
        }
    }

    /**
     * Writes a mid-epoch checkpoint of {@code network} at {@code progress} now (unless the last one begun holds
     * this very state) and waits for it and any write before it: for a graceful stop. Returns its folder name,
     * or null when it could not be written (after {@link #keepTrainingOnFailedWrites}).
     */
    public String checkpointNow(TrainingPlan plan, EpochProgress progress, Network network) {
        int failed = failedWrites.size();
        if (lastEpoch != progress.epoch() || lastRound != progress.roundsDone()) {
            Network snapshot = network.copy();
            begin(state(plan, progress, snapshot), snapshot);
        }
        awaitPending();
        return failedWrites.size() > failed ? null : CheckpointStore.nameFor(progress.epoch(), progress.roundsDone());
    }

    @Override
    public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
        Network snapshot = network.copy();
        begin(state(plan, epoch.epoch() + 1, snapshot), snapshot);
    }

    /** Waits for the write in flight, then writes {@code state} with {@code snapshot} in the background. */
    private void begin(CheckpointState state, Network snapshot) {
        awaitPending();
        lastEpoch = state.epoch();
        lastRound = state.round();
        lastCheckpointNanos = System.nanoTime();
        fence.check(); // a job that lost its lock begins no checkpoint
        pending = writer.submit(() -> {
            long started = System.nanoTime();
            Checkpoint c;
            try {
                c = store.write(state, snapshot, fence);
            } catch (IOException e) {
                if (!keepTraining) {
                    throw new CheckpointWriteException(e);
                }
                failedNames.add(CheckpointStore.nameFor(state.epoch(), state.round()));
                failedWrites.add(e.getMessage());
                synchronized (out) {
                    out.println("checkpoints: " + e.getMessage() + "; training goes on, the next checkpoint is tried "
                            + "when due, and the trained model is saved at the end");
                    out.flush();
                }
                return;
            }
            List<org.apache.hadoop.fs.Path> pruned;
            try {
                pruned = store.prune(keep, fence);
            } catch (LockLostException e) {
                throw e;
            } catch (IOException e) {
                if (!keepTraining) {
                    throw new CheckpointWriteException(e);
                }
                pruned = List.of(); // older checkpoints stay: pruning is repeated after the next write
            } catch (RuntimeException | org.apache.hadoop.fs.FSError e) {
                if (!keepTraining) {
                    throw e;
                }
                pruned = List.of();
            }
            synchronized (out) {
                out.printf(Locale.ROOT, "checkpoint %s written in %.2f s%s%n", c.name(),
                        (System.nanoTime() - started) / 1e9,
                        pruned.isEmpty() ? "" : " (removed " + pruned.size() + " older)");
                out.flush();
            }
            return;
        });
    }

    @Override
    public void onFinish(TrainingPlan plan, Network network) {
        awaitPending();
        writer.shutdown();
    }

    /** The write in flight (a completed epoch's) still completes; its failure is added to {@code cause}. */
    @Override
    public void onAbort(TrainingPlan plan, RuntimeException cause) {
        String failed = finishQuietly();
        if (failed != null) {
            cause.addSuppressed(new IllegalStateException(failed));
        }
    }

    /**
     * For a job that stops early (an error, SIGTERM): waits for the write in flight, so that a checkpoint begun
     * is finished rather than left as a temporary folder, and stops the writer. A failed write is not rethrown
     * (the job is failing already); returns its message, or null.
     */
    public String finishQuietly() {
        try {
            awaitPending();
            return abortFailure;
        } catch (RuntimeException e) {
            abortFailure = e.getMessage();
            return abortFailure;
        } finally {
            writer.shutdown();
        }
    }

    /** Waits for the write in flight; rethrows its failure. */
    private void awaitPending() {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a checkpoint write", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        } finally {
            pending = null;
        }
    }

}
