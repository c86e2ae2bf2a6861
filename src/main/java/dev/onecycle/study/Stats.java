package dev.onecycle.study;

import java.util.List;

/** Mean, sample standard deviation, and a paired comparison's verdict from the t distribution. */
final class Stats {
    /** Two-sided 95% critical values of Student's t for 1..30 degrees of freedom; 1.96 beyond. */
    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    private Stats() {
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (n - 1); NaN for fewer than 2 values. */
    static double sd(List<Double> v) {
        if (v.size() < 2) {
            return Double.NaN;
        }
        double m = mean(v);
        double ss = v.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
        return Math.sqrt(ss / (v.size() - 1));
    }

    /** The t critical value (95%, two-sided) for {@code df} degrees of freedom. */
    static double t95(int df) {
        return df < 1 ? Double.NaN : df <= T95.length ? T95[df - 1] : 1.96;
    }

    /** A paired comparison of a minus b over the same seeds. */
    record Paired(int n, double meanDiff, double sdDiff, double se, double t, double halfWidth95) {
        static Paired of(List<Double> diffs) {
            int n = diffs.size();
            double m = mean(diffs);
            double sd = sd(diffs);
            double se = n >= 2 ? sd / Math.sqrt(n) : Double.NaN;
            double t = se > 0 ? m / se : m == 0 ? 0 : n >= 2 ? Math.copySign(Double.POSITIVE_INFINITY, m) : Double.NaN;
            return new Paired(n, m, sd, se, t, n >= 2 ? t95(n - 1) * se : Double.NaN);
        }

        /** a better than b (a positive difference), resolved at 95%: +1; b better: -1; not resolved: 0. */
        int verdict() {
            if (n < 2 || Double.isNaN(t)) {
                return 0;
            }
            return Math.abs(t) > t95(n - 1) ? (meanDiff > 0 ? 1 : -1) : 0;
        }
    }
}
