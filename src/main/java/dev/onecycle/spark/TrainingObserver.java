package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import java.util.List;

/**
 * Called on the driver as training progresses: after each averaging round (with the steps the workers
 * really applied) and after each epoch (with the driver's averaged network).
 */
public interface TrainingObserver {

    /** Before the first epoch of the slice. */
    default void onStart(TrainingPlan plan) {
    }

    /** After a round's results are averaged into the driver's network. */
    default void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
    }

    /**
     * After the {@link #onRound} calls of each Spark job inside an epoch (a job per round on the driver path,
     * many rounds per job on the barrier path), but not after the epoch's last round ({@link #onEpoch} follows
     * that): {@code network} holds exactly the averaged state after round {@code progress.roundsDone() - 1}, the
     * point a mid-epoch checkpoint saves. Copy it to keep it: the next job's result overwrites it.
     */
    default void onRoundsAveraged(TrainingPlan plan, EpochProgress progress, Network network) {
    }

    /**
     * True when this observer needs the driver to hold the averaged state after {@code roundsDone} rounds of
     * {@code epoch} (a mid-epoch checkpoint at that round): on the barrier path the Spark job that would pass
     * that round ends there instead, so {@link #onRoundsAveraged} is called with exactly that state. Results are
     * unchanged (the rounds are the same, only the jobs are cut differently). Default: false.
     */
    default boolean wantsStateAfter(TrainingPlan plan, int epoch, int roundsDone) {
        return false;
    }

    /**
     * Asked after every round, once all observers heard of it in {@link #onRound}: true ends the fit after this
     * round: no later round is reported, {@link #onEpoch} is not called for the cut epoch, {@link #onFinish} is.
     * A job the trainer had already submitted (the next round, or on the barrier path the next rounds) still
     * runs to its end, so the network may be past the stop round. How a learning-rate range test stops when its
     * loss diverges. Default: false.
     */
    default boolean stopAfterRound(TrainingPlan plan, RoundState round) {
        return false;
    }

    /** After an epoch; {@code network} holds the averaged parameters at the end of the epoch. */
    default void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
    }

    /** After the last epoch, before {@link OneCycleTrainer#fit} returns: finish any work still in flight. */
    default void onFinish(TrainingPlan plan, Network network) {
    }

    /**
     * When {@code fit} fails or is cancelled after {@link #onStart}: finish or abandon work in flight (a
     * checkpoint of a completed epoch still completes) before the exception reaches the caller.
     */
    default void onAbort(TrainingPlan plan, RuntimeException cause) {
    }
}
