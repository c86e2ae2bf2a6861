package dev.onecycle.run;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.EpochCheckpointer;
import dev.onecycle.spark.EpochProgress;
import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.RoundState;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * A stop asked of a running fit (a signal, from any thread), and the trainer observers that carry it out: with
 * checkpoints the fit ends at the next round boundary after a checkpoint of that state ({@link #atCheckpoint}),
 * or after the checkpoint of the epoch just ended ({@link #atEpochEnds}); without them at the next round
 * ({@link #atRounds}), nothing to keep. Each throws a {@link TrainingStoppedException}; {@link #stopped} says where
 * training stood and how to continue.
 */
public final class GracefulStop {
    private volatile String signal;
    /** True while training runs with checkpoints: a stop then ends at the next round boundary, at a checkpoint. */
    private volatile boolean stopsAtCheckpoint;
    /** Set when a graceful stop's checkpoint was begun (its name); the stop then counts as no failure. */
    private volatile String checkpoint;
    private final Position position = new Position();

    /** Asks the fit to stop ({@code signal}: {@code TERM}, {@code INT}). */
    public void request(String signal) {
        this.signal = signal;
    }

    /** The signal a stop was asked with, or null. */
    public String requested() {
        return signal;
    }

    /**
     * True once training runs with checkpoints: a stop requested now finishes the Spark job in flight (one round,
     * or ~2 s of rounds on the barrier path), writes a checkpoint of that state and ends; the caller should not
     * cancel the Spark jobs. False before training starts, or without checkpoints: cancel them, nothing is lost.
     */
    public boolean stopsAtCheckpoint() {
        return stopsAtCheckpoint;
    }

    /** Training ended (any way): a stop now cancels what runs. */
    public void trainingEnded() {
        stopsAtCheckpoint = false;
    }

    /** The checkpoint a graceful stop began (its name), or null. */
    public String checkpoint() {
        return checkpoint;
    }

    /** Stops after each round once asked, unless a checkpoint of the stop is written ({@link #atCheckpoint}). */
    public TrainingObserver atRounds() {
        return new TrainingObserver() {
            @Override
            public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
                if (signal != null && !stopsAtCheckpoint) {
                    throw new TrainingStoppedException(signal, "stop requested");
                }
            }
        };
    }

    /** Stops after an epoch's observers once asked (the epoch's checkpoint, when written, was begun by then). */
    public TrainingObserver atEpochEnds() {
        return new TrainingObserver() {
            @Override
            public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
                if (signal != null) {
                    if (stopsAtCheckpoint) { // the epoch's checkpoint was begun just before
                        checkpoint = CheckpointStore.nameFor(epoch.epoch() + 1);
                    }
                    throw new TrainingStoppedException(signal, "stop requested");
                }
            }
        };
    }

    /**
     * A graceful stop inside an epoch: at the first round boundary after the request, after the observers before
     * it have the rounds, writes a checkpoint of the averaged state there with {@code checkpointer}, waits for it,
     * and ends training.
     */
    public TrainingObserver atCheckpoint(EpochCheckpointer checkpointer) {
        return new TrainingObserver() {
            @Override
            public void onStart(TrainingPlan plan) {
                stopsAtCheckpoint = true;
            }

            @Override
            public void onRoundsAveraged(TrainingPlan plan, EpochProgress progress, Network network) {
                if (signal != null) {
                    checkpoint = checkpointer.checkpointNow(plan, progress, network);
                    throw new TrainingStoppedException(signal, "stop requested");
                }
            }
        };
    }

    /** Follows the fit's position, for {@link #stopped}'s message. */
    public TrainingObserver position() {
        return position;
    }

    /**
     * Where the stopped fit stood and how to continue it, in the front end's words; {@code store}: the run's
     * checkpoints (null: none); {@code atCheckpoint}: it wrote one as it stopped.
     */
    public TrainingStoppedException stopped(RunSettings s, CheckpointStore store, boolean atCheckpoint, RunNaming n) {
        String where = position.epoch < 0 ? "before training started"
                : String.format(Locale.ROOT, "in epoch %d/%d (after iteration %d)", position.epoch + 1,
                        s.totEpochs(), position.iteration);
        String newest = null;
        if (store != null) {
            try {
                newest = store.newestValid(m -> { }).map(Checkpoint::name).orElse(null);
            } catch (IOException e) {
                newest = null;
            }
        }
        String how = newest != null ? (atCheckpoint && newest.equals(checkpoint) ? "wrote checkpoint "
                : "the newest checkpoint is ") + newest + " in " + store.dir() + ": run the same command with "
                + n.of(Settings.RESUME) + " to continue from there"
                : "no checkpoint was written" + (store == null ? " (" + n.of(Settings.KEEP_CHECKPOINTS) + " 0)" : "")
                + ", so nothing is kept: run the same command again to start over";
        return new TrainingStoppedException(signal, "stopped by SIG" + signal + " " + where + "; " + how,
                atCheckpoint);
    }

    /** The position of the fit. */
    private static final class Position implements TrainingObserver {
        private volatile int epoch = -1;
        private volatile long iteration = -1;

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
            epoch = round.epoch();
            iteration = round.iterationOf(round.endStep()) - 1;
        }
    }
}
