package dev.onecycle.lrfind;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The loss curve of a range test as it is recorded, with fastai's smoothing and stop rule:
 * {@code avg = beta * avg + (1 - beta) * loss}, {@code smooth_i = avg / (1 - beta^(i+1))} (bias-corrected, beta
 * 0.98); with {@code stopDiv} the test stops after an iteration whose smoothed loss is above
 * {@value #DIVERGENCE_FACTOR} times the best smoothed loss so far (that iteration included), or whose loss is not
 * finite; it stops anyway after {@code numIt} iterations. The iteration that triggers a stop is recorded, as in
 * fastai.
 */
public final class RangeTestCurve {
    /** fastai's smoothing factor. */
    public static final double BETA = 0.98;
    /** The stop rule's factor over the best smoothed loss. */
    public static final double DIVERGENCE_FACTOR = 4;

    private final LrRange range;
    private final List<RangePoint> points = new ArrayList<>();
    private double average;
    private double best = Double.POSITIVE_INFINITY;
    private StopReason stop;

    public RangeTestCurve(LrRange range) {
        this.range = java.util.Objects.requireNonNull(range, "range");
    }

    /**
     * Records the loss of the next iteration; returns true when the test is over (then {@link #stopReason()}
     * says why, and no more losses are taken).
     */
    public boolean add(double loss) {
        if (stop != null) {
            throw new IllegalStateException("the range test is over (" + stop.description() + ")");
        }
        int i = points.size();
        average = BETA * average + (1 - BETA) * loss;
        double smoothed = average / (1 - Math.pow(BETA, i + 1));
        points.add(new RangePoint(i, range.lr(i), loss, smoothed));
        if (smoothed < best) {
            best = smoothed;
        }
        if (range.stopDiv()) {
            if (!Double.isFinite(loss) || !Double.isFinite(smoothed)) {
                stop = StopReason.NOT_FINITE;
            } else if (smoothed > DIVERGENCE_FACTOR * best) {
                stop = StopReason.DIVERGED;
            }
        }
        if (stop == null && points.size() >= range.numIt()) {
            stop = StopReason.COMPLETE;
        }
        return stop != null;
    }

    /** True once the test is over. */
    public boolean done() {
        return stop != null;
    }

    /** Why the test ended; null while it runs. */
    public StopReason stopReason() {
        return stop;
    }

    /** The points so far, in order. */
    public List<RangePoint> points() {
        return Collections.unmodifiableList(points);
    }

    /** The finished test with its suggestions. */
    public RangeTestResult result(double momentum) {
        if (stop == null) {
            throw new IllegalStateException("the range test has not ended: " + points.size() + " of "
                    + range.numIt() + " iterations");
        }
        List<RangePoint> all = List.copyOf(points);
        return new RangeTestResult(range, momentum, all, stop, Suggestions.all(all, range.numIt()));
    }
}
