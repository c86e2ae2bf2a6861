package dev.onecycle.lrfind;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The learning rates fastai suggests from a range test's smoothed losses (indices are of the recorded points):
 * <ul>
 * <li>{@link #STEEP} (fastai v1's {@code Recorder.plot(suggestion=True)}, "min numerical gradient"): drop the
 * first 10 and the last 5 points, take {@code np.gradient} of the smoothed losses over the point index (central
 * differences inside, one-sided at the two ends), and the learning rate where it is lowest (the first such);</li>
 * <li>{@link #MINIMUM} (fastai v1's "min loss divided by 10", v2's {@code minimum}): the learning rate of the
 * lowest smoothed loss in the same window, divided by 10;</li>
 * <li>{@link #VALLEY} (fastai v2's default {@code valley}): in the points {@code [numIt / 10, n - 5)}, the longest
 * strictly decreasing subsequence of smoothed losses ("the longest valley", fastai's quadratic search, ties to
 * the first), and the point a bit over half-way into it ({@code start + int(len/3) + int(len/3/2)}).</li>
 * </ul>
 * As fastai v2 does, each window ends before its first non-finite smoothed loss. A window too short gives no
 * suggestion ({@code np.gradient} needs 2 points; the others 1).
 */
public final class Suggestions {
    public static final String STEEP = "steep";
    public static final String MINIMUM = "minimum/10";
    public static final String VALLEY = "valley";
    /**
     * What {@code --lr-max auto} uses: {@link #MINIMUM}, the rule of Smith and of fastai's course (an order of
     * magnitude below the lowest loss). fastai v2's default {@link #VALLEY} was measured too (docs/cli.md, "Finding
     * lrMax"): with SGD and momentum 0.95 on Fashion-MNIST it lands far down the flat start of the curve and trains
     * 5 points worse.
     */
    public static final String AUTO = MINIMUM;
    /** Points fastai v1 drops at the start and the end before suggesting. */
    public static final int SKIP_START = 10;
    public static final int SKIP_END = 5;

    private Suggestions() {
    }

    /** The three suggestions that the curve has enough points for, in the order steep, minimum/10, valley. */
    public static List<Suggestion> all(List<RangePoint> points, int numIt) {
        List<Suggestion> all = new ArrayList<>();
        steep(points).ifPresent(all::add);
        minimum(points).ifPresent(all::add);
        valley(points, numIt).ifPresent(all::add);
        return List.copyOf(all);
    }

    /** fastai v1's steepest descent: the lowest {@code np.gradient} of the smoothed losses in the window. */
    public static Optional<Suggestion> steep(List<RangePoint> points) {
        List<RangePoint> w = window(points, SKIP_START);
        if (w.size() < 2) {
            return Optional.empty();
        }
        double[] g = gradient(smoothed(w));
        int best = 0;
        for (int i = 1; i < g.length; i++) {
            if (g[i] < g[best]) {
                best = i;
            }
        }
        RangePoint p = w.get(best);
        return Optional.of(new Suggestion(STEEP, p.lr(), p.iteration(), p.lr(), p.smoothedLoss()));
    }

    /** The learning rate of the lowest smoothed loss in the window, divided by 10. */
    public static Optional<Suggestion> minimum(List<RangePoint> points) {
        List<RangePoint> w = window(points, SKIP_START);
        if (w.isEmpty()) {
            return Optional.empty();
        }
        RangePoint min = w.get(0);
        for (RangePoint p : w) {
            if (p.smoothedLoss() < min.smoothedLoss()) {
                min = p;
            }
        }
        return Optional.of(new Suggestion(MINIMUM, min.lr() / 10, min.iteration(), min.lr(), min.smoothedLoss()));
    }

    /** fastai v2's {@code valley}, on the points {@code [numIt / 10, n - 5)}. */
    public static Optional<Suggestion> valley(List<RangePoint> points, int numIt) {
        List<RangePoint> w = window(points, numIt / 10);
        int n = w.size();
        if (n == 0) {
            return Optional.empty();
        }
        double[] losses = smoothed(w);
        int maxStart = 0;
        int maxEnd = 0;
        int[] lds = new int[n];
        java.util.Arrays.fill(lds, 1);
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (losses[i] < losses[j] && lds[i] < lds[j] + 1) {
                    lds[i] = lds[j] + 1;
                }
                if (lds[maxEnd] < lds[i]) {
                    maxEnd = i;
                    maxStart = maxEnd - lds[maxEnd];
                }
            }
        }
        double sections = (maxEnd - maxStart) / 3.0;
        // fastai's max_start is one before the valley's first point, -1 for a valley starting at the window's
        // start; a two-point valley there gives index -1, which Python reads as the window's last point (the
        // end of the curve, near divergence): here it is the window's first point
        int idx = Math.max(0, maxStart + (int) sections + (int) (sections / 2));
        RangePoint p = w.get(idx);
        return Optional.of(new Suggestion(VALLEY, p.lr(), p.iteration(), p.lr(), p.smoothedLoss()));
    }

    /**
     * {@code np.gradient(f)} with unit spacing and {@code edge_order=1}: {@code f[1]-f[0]} at the start,
     * {@code (f[i+1]-f[i-1])/2} inside, {@code f[n-1]-f[n-2]} at the end. Needs 2 values or more.
     */
    static double[] gradient(double[] f) {
        int n = f.length;
        if (n < 2) {
            throw new IllegalArgumentException("np.gradient needs at least 2 values, got " + n);
        }
        double[] g = new double[n];
        g[0] = f[1] - f[0];
        for (int i = 1; i < n - 1; i++) {
            g[i] = (f[i + 1] - f[i - 1]) / 2.0;
        }
        g[n - 1] = f[n - 1] - f[n - 2];
        return g;
    }

    /** {@code points[skipStart : -SKIP_END]} as Python slices it, ended before the first non-finite smoothed loss. */
    static List<RangePoint> window(List<RangePoint> points, int skipStart) {
        int to = points.size() - SKIP_END;
        if (to <= skipStart) {
            return List.of();
        }
        List<RangePoint> w = new ArrayList<>();
        for (RangePoint p : points.subList(skipStart, to)) {
            if (!Double.isFinite(p.smoothedLoss())) {
                break;
            }
            w.add(p);
        }
        return w;
    }

    private static double[] smoothed(List<RangePoint> w) {
        double[] s = new double[w.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = w.get(i).smoothedLoss();
        }
        return s;
    }
}
