package dev.onecycle.schedule;

import java.io.Serializable;
import java.util.Objects;

/**
 * The hyper-parameters of a 1cycle policy (Smith 2018, "A disciplined approach to neural network
 * hyper-parameters", arXiv:1803.09820), independent of how long the cycle is. Combine it with a cycle
 * length ({@link #over(long)}) or a {@link CycleSlice} ({@link #schedule(CycleSlice)}) to get the values.
 *
 * <p>Immutable; build it with {@link #builder()}. Defaults are fastai's: {@code divFactor} 25,
 * {@code pctStart} 0.3 (FASTAI2: fastai 2's 0.25), momentum 0.95 → 0.85 → 0.95, cosine annealing, style
 * {@link OneCycleStyle#FASTAI}.
 *
 * <p>{@code finalDiv} follows each reference's own parameter: for FASTAI the final learning rate is
 * {@code lrMax / finalDiv} (fastai's {@code final_div}, default {@code divFactor * 1e4}); for FASTAI2 too
 * (fastai 2's {@code div_final}, default {@code 1e5}); for PYTORCH it is {@code initialLr / finalDiv} (torch's
 * {@code final_div_factor}, default {@code 1e4}). With the defaults FASTAI and PYTORCH both end at
 * {@code lrMax / (divFactor * 1e4)}.
 */
public final class OneCyclePolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    /** fastai's and PyTorch's default {@code div_factor}. */
    public static final double DEFAULT_DIV_FACTOR = 25.0;
    /** fastai's {@code pct_start} default (PyTorch's is 0.3 too). */
    public static final double DEFAULT_PCT_START = 0.3;
    /** fastai 2's {@code fit_one_cycle} {@code pct_start} default. */
    public static final double DEFAULT_PCT_START_FASTAI2 = 0.25;
    /** fastai 2's {@code fit_one_cycle} {@code div_final} default. */
    public static final double DEFAULT_FINAL_DIV_FASTAI2 = 1e5;
    /** First of fastai's {@code moms} pair; PyTorch's {@code max_momentum}. */
    public static final double DEFAULT_MAX_MOMENTUM = 0.95;
    /** Second of fastai's {@code moms} pair; PyTorch's {@code base_momentum}. */
    public static final double DEFAULT_BASE_MOMENTUM = 0.85;

    private final double lrMax;
    private final double divFactor;
    private final double pctStart;
    private final double finalDiv;
    private final double maxMomentum;
    private final double baseMomentum;
    private final Annealing annealing;
    private final OneCycleStyle style;
    private final boolean threePhase;

    private OneCyclePolicy(Builder b, double pctStart, double finalDiv) {
        this.lrMax = b.lrMax;
        this.divFactor = b.divFactor;
        this.pctStart = pctStart;
        this.finalDiv = finalDiv;
        this.maxMomentum = b.maxMomentum;
        this.baseMomentum = b.baseMomentum;
        this.annealing = b.annealing;
        this.style = b.style;
        this.threePhase = b.threePhase;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this policy's values, to derive a changed copy. */
    public Builder toBuilder() {
        return new Builder().setLrMax(lrMax).optDivFactor(divFactor).optPctStart(pctStart)
                .optFinalDiv(finalDiv).optMomentum(maxMomentum, baseMomentum).optAnnealing(annealing)
                .optStyle(style).optThreePhase(threePhase);
    }

    /**
     * The schedule of this policy over a whole cycle of {@code totalIterations} minibatch steps. FASTAI2's values
     * depend on how the cycle divides into epochs: here it is one epoch of {@code totalIterations} steps
     * (fastai 2's {@code fit_one_cycle(1)}); {@link #schedule(CycleSlice)} uses the slice's epochs.
     */
    public OneCycleSchedule over(long totalIterations) {
        if (totalIterations <= 0) {
            throw new InvalidParameterException("totalIterations", "must be > 0", totalIterations);
        }
        if (totalIterations > Integer.MAX_VALUE) {
            throw new InvalidParameterException("totalIterations",
                    "must fit DL4J's int iteration counter (<= " + Integer.MAX_VALUE + ")", totalIterations);
        }
        switch (style) {
            case FASTAI:
                return new FastaiOneCycle(this, totalIterations);
            case FASTAI2:
                return new Fastai2OneCycle(this, 1, (int) totalIterations);
            default:
                return new TorchOneCycle(this, totalIterations);
        }
    }

    /**
     * The schedule of the whole cycle a slice belongs to ({@code slice.totalIterations()} steps of
     * {@code slice.totEpochs()} epochs).
     */
    public OneCycleSchedule schedule(CycleSlice slice) {
        if (style == OneCycleStyle.FASTAI2) {
            over(slice.totalIterations()); // the same checks of the length
            return new Fastai2OneCycle(this, slice.totEpochs(), slice.itersPerEpoch());
        }
        return over(slice.totalIterations());
    }

    public double lrMax() {
        return lrMax;
    }

    public double divFactor() {
        return divFactor;
    }

    public double pctStart() {
        return pctStart;
    }

    public double finalDiv() {
        return finalDiv;
    }

    public double maxMomentum() {
        return maxMomentum;
    }

    public double baseMomentum() {
        return baseMomentum;
    }

    public Annealing annealing() {
        return annealing;
    }

    public OneCycleStyle style() {
        return style;
    }

    public boolean threePhase() {
        return threePhase;
    }

    /** The learning rate the cycle starts at: {@code lrMax / divFactor}. */
    public double initialLr() {
        return lrMax / divFactor;
    }

    /** The learning rate the cycle anneals to at its end (reached at the last step only in PYTORCH style). */
    public double finalLr() {
        return style == OneCycleStyle.PYTORCH ? initialLr() / finalDiv : lrMax / finalDiv;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OneCyclePolicy)) {
            return false;
        }
        OneCyclePolicy p = (OneCyclePolicy) o;
        return Double.compare(lrMax, p.lrMax) == 0 && Double.compare(divFactor, p.divFactor) == 0
                && Double.compare(pctStart, p.pctStart) == 0 && Double.compare(finalDiv, p.finalDiv) == 0
                && Double.compare(maxMomentum, p.maxMomentum) == 0
                && Double.compare(baseMomentum, p.baseMomentum) == 0 && annealing == p.annealing
                && style == p.style && threePhase == p.threePhase;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lrMax, divFactor, pctStart, finalDiv, maxMomentum, baseMomentum, annealing, style,
                threePhase);
    }

    @Override
    public String toString() {
        return "OneCyclePolicy{style=" + style.id() + ", lrMax=" + lrMax + ", divFactor=" + divFactor
                + ", pctStart=" + pctStart + ", finalDiv=" + finalDiv + ", moms=" + maxMomentum + ","
                + baseMomentum + ", annealing=" + annealing.id() + (threePhase ? ", threePhase" : "") + "}";
    }

    /**
     * Builds a {@link OneCyclePolicy}. {@code setLrMax} is required; every {@code opt*} value has the
     * reference default. Each value is checked where it is set; combinations are checked in {@link #build()}.
     */
    public static final class Builder {
        private double lrMax = Double.NaN;
        private double divFactor = DEFAULT_DIV_FACTOR;
        private double pctStart = Double.NaN;
        private double finalDiv = Double.NaN;
        private double maxMomentum = DEFAULT_MAX_MOMENTUM;
        private double baseMomentum = DEFAULT_BASE_MOMENTUM;
        private Annealing annealing = Annealing.COS;
        private OneCycleStyle style = OneCycleStyle.FASTAI;
        private boolean threePhase;

        private Builder() {
        }

        /** The peak learning rate (fastai {@code lr_max}, torch {@code max_lr}); finite and > 0. */
        public Builder setLrMax(double lrMax) {
            this.lrMax = Checks.positiveFinite("lrMax", lrMax);
            return this;
        }

        /** The cycle starts at {@code lrMax / divFactor}; finite and > 0. Default 25. */
        public Builder optDivFactor(double divFactor) {
            this.divFactor = Checks.positiveFinite("divFactor", divFactor);
            return this;
        }

        /** The fraction of the cycle spent increasing the learning rate, in [0, 1]. Default 0.3 (FASTAI2 0.25). */
        public Builder optPctStart(double pctStart) {
            this.pctStart = Checks.fraction("pctStart", pctStart);
            return this;
        }

        /** The final divisor, in each style's own meaning (see the class comment); finite and > 0. */
        public Builder optFinalDiv(double finalDiv) {
            this.finalDiv = Checks.positiveFinite("finalDiv", finalDiv);
            return this;
        }

        /**
         * The momentum pair: {@code max} at the start and end of the cycle, {@code base} at the learning-rate
         * peak (fastai {@code moms=(max, base)}). Each in [0, 1). Default 0.95, 0.85.
         */
        public Builder optMomentum(double max, double base) {
            this.maxMomentum = Checks.momentum("maxMomentum", max);
            this.baseMomentum = Checks.momentum("baseMomentum", base);
            return this;
        }

        /** Cosine (default) or linear annealing within each phase. */
        public Builder optAnnealing(Annealing annealing) {
            this.annealing = Checks.required("annealing", annealing);
            return this;
        }

        /** The reference implementation to reproduce. Default {@link OneCycleStyle#FASTAI}. */
        public Builder optStyle(OneCycleStyle style) {
            this.style = Checks.required("style", style);
            return this;
        }

        /** PyTorch's {@code three_phase}: back down to the initial LR before annealing to the final one. */
        public Builder optThreePhase(boolean threePhase) {
            this.threePhase = threePhase;
            return this;
        }

        /** Checks the combination and returns the policy. */
        public OneCyclePolicy build() {
            if (Double.isNaN(lrMax)) {
                throw new InvalidParameterException("lrMax", "is required (finite and > 0)", "nothing");
            }
            if (threePhase && style != OneCycleStyle.PYTORCH) {
                throw new InvalidParameterException("threePhase",
                        "is only defined for style pytorch (fastai's 1cycle has two phases)", "true with style "
                                + style.id());
            }
            // unset: the style's own default (the builder keeps "unset", so a later style change gets its own)
            double pct = !Double.isNaN(pctStart) ? pctStart
                    : style == OneCycleStyle.FASTAI2 ? DEFAULT_PCT_START_FASTAI2 : DEFAULT_PCT_START;
            double fd = !Double.isNaN(finalDiv) ? finalDiv : style == OneCycleStyle.FASTAI ? divFactor * 1e4
                    : style == OneCycleStyle.FASTAI2 ? DEFAULT_FINAL_DIV_FASTAI2 : 1e4;
            if (!Double.isFinite(lrMax / divFactor) || lrMax / divFactor == 0) {
                throw new InvalidParameterException("divFactor",
                        "must leave lrMax / divFactor finite and > 0 (lrMax " + lrMax + ")", divFactor);
            }
            return new OneCyclePolicy(this, pct, fd);
        }
    }
}
