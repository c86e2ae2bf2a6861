package dev.onecycle.spark;

import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.schedule.InvalidParameterException;
import java.io.Serializable;

/**
 * How far epoch {@code epoch} of a fit has got: {@code roundsDone} averaging rounds (its first
 * {@code roundsDone} rounds), the training loss summed over their {@code minibatches} in the trainer's order
 * (round by round), and the wall seconds the epoch took so far. A mid-epoch checkpoint saves it; a fit resumed
 * from it ({@link OneCycleTrainer.Builder#optResumeInEpoch}) continues the epoch at round {@code roundsDone} and
 * its {@link EpochSummary} covers the whole epoch: the loss bitwise as an uninterrupted run's, the seconds those
 * of both parts.
 */
public record EpochProgress(int epoch, int roundsDone, double lossSum, long minibatches, double seconds)
        implements Serializable {

    /** Where a mid-epoch checkpoint stands inside its epoch; null for an epoch-end one. */
    public static EpochProgress of(CheckpointState s) {
        return s.midEpoch() == null ? null : new EpochProgress(s.epoch(), s.round(), s.midEpoch().lossSum(),
                s.midEpoch().minibatches(), s.midEpoch().seconds());
    }

    public EpochProgress {
        if (epoch < 0) {
            throw new InvalidParameterException("epoch", "must be >= 0", epoch);
        }
        if (roundsDone < 0) {
            throw new InvalidParameterException("roundsDone", "must be >= 0", roundsDone);
        }
        if (minibatches < 0) {
            throw new InvalidParameterException("minibatches", "must be >= 0", minibatches);
        }
        if (!(seconds >= 0)) {
            throw new InvalidParameterException("seconds", "must be >= 0", seconds);
        }
    }
}
