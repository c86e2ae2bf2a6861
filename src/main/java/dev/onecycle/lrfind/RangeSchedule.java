package dev.onecycle.lrfind;

import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.StepSchedule;
import java.io.Serializable;

/**
 * The range test as a {@link StepSchedule}: the learning rate of {@link LrRange#lr}, the momentum held at one
 * value (fastai holds it at the first of the policy's {@code moms}).
 */
public record RangeSchedule(LrRange range, double momentum) implements StepSchedule, Serializable {

    public RangeSchedule {
        if (range == null) {
            throw new InvalidParameterException("range", "is required", "nothing");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new InvalidParameterException("momentum", "must be in [0, 1)", momentum);
        }
    }

    @Override
    public double lr(long iteration) {
        return range.lr(iteration);
    }

    @Override
    public double momentum(long iteration) {
        return momentum;
    }
}
