package dev.onecycle.schedule;

import java.util.Locale;

/**
 * How a value moves from {@code start} to {@code end} as {@code pct} goes from 0 to 1 within one phase of the
 * cycle. The formulas are fastai v1's {@code annealing_cos} / {@code annealing_linear}, which are also the
 * ones in PyTorch's {@code OneCycleLR._annealing_cos} / {@code _annealing_linear}.
 */
public enum Annealing {
    /** {@code end + (start - end) / 2 * (cos(pi * pct) + 1)}. */
    COS {
        @Override
        public double between(double start, double end, double pct) {
            double cosOut = Math.cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }
    },
    /** {@code start + pct * (end - start)}. */
    LINEAR {
        @Override
        public double between(double start, double end, double pct) {
            return start + pct * (end - start);
        }
    };

    /** The value at fraction {@code pct} of the way from {@code start} to {@code end}. */
    public abstract double between(double start, double end, double pct);

    /** Parses {@code cos} (or {@code cosine}) and {@code linear}, case-insensitively. */
    public static Annealing parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "cos":
            case "cosine":
                return COS;
            case "linear":
                return LINEAR;
            default:
                throw new InvalidParameterException("annealing", "must be one of cos, linear", name);
        }
    }

    /** The lower-case name used on the command line and in checkpoints. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
