package dev.onecycle.lrfind;

import dev.onecycle.schedule.InvalidParameterException;
import java.io.Serializable;

/**
 * The sweep of a learning-rate range test (Smith 2015; fastai's {@code lr_find}): the learning rate grows
 * exponentially from {@code startLr} to {@code endLr} over {@code numIt} iterations,
 * {@code lr_i = startLr * (endLr / startLr)^(i / (numIt - 1))}, so iteration 0 trains at {@code startLr} and
 * iteration {@code numIt - 1} at {@code endLr}. With {@code stopDiv} the test ends early once the smoothed loss
 * diverges ({@link RangeTestCurve}). Defaults as fastai: 1e-7, 10, 100, stop on divergence.
 */
public record LrRange(double startLr, double endLr, int numIt, boolean stopDiv) implements Serializable {
    public static final double DEFAULT_START_LR = 1e-7;
    public static final double DEFAULT_END_LR = 10;
    public static final int DEFAULT_NUM_IT = 100;

    public LrRange {
        if (!(startLr > 0) || !Double.isFinite(startLr)) {
            throw new InvalidParameterException("startLr", "must be finite and > 0", startLr);
        }
        if (!(endLr > startLr) || !Double.isFinite(endLr)) {
            throw new InvalidParameterException("endLr", "must be finite and > startLr (" + startLr + ")", endLr);
        }
        if (numIt < 2) {
            throw new InvalidParameterException("numIt", "must be >= 2 (the sweep needs a first and a last "
                    + "learning rate)", numIt);
        }
    }

    /** fastai's defaults: 1e-7 to 10 over 100 iterations, stopping when the loss diverges. */
    public static LrRange defaults() {
        return new LrRange(DEFAULT_START_LR, DEFAULT_END_LR, DEFAULT_NUM_IT, true);
    }

    public LrRange withStartLr(double startLr) {
        return new LrRange(startLr, endLr, numIt, stopDiv);
    }

    public LrRange withEndLr(double endLr) {
        return new LrRange(startLr, endLr, numIt, stopDiv);
    }

    public LrRange withNumIt(int numIt) {
        return new LrRange(startLr, endLr, numIt, stopDiv);
    }

    public LrRange withStopDiv(boolean stopDiv) {
        return new LrRange(startLr, endLr, numIt, stopDiv);
    }

    /**
     * The learning rate of iteration {@code iteration} (any {@code iteration >= 0}: past {@code numIt - 1} the
     * sweep continues, which a trainer that rounds up to whole averaging rounds trains and the test ignores).
     */
    public double lr(long iteration) {
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
        }
        return startLr * Math.pow(endLr / startLr, iteration / (double) (numIt - 1));
    }

    /** The sweep with the momentum held at {@code momentum}: what the workers apply. */
    public RangeSchedule schedule(double momentum) {
        return new RangeSchedule(this, momentum);
    }
}
