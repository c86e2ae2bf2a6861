package dev.onecycle.schedule;

/**
 * fastai 2's {@code Learner.fit_one_cycle(n_epoch, lr_max, div, div_final, pct_start, moms, start_epoch)}
 * (fastai/callback/schedule.py with callback/core.py's {@code TrainEvalCallback} and learner.py's
 * {@code SkipToEpoch}), operation for operation:
 *
 * <ul>
 *   <li>the position: {@code before_train} sets {@code pct_train = epoch / n_epoch} at the start of every epoch
 *       and {@code after_batch} adds {@code 1. / (n_iter * n_epoch)} after every batch, in float64; batch
 *       {@code j} of epoch {@code e} trains at that sum after {@code j} additions ({@code ParamScheduler.before_batch}
 *       sets the values from it). Skipped epochs ({@code start_epoch}) never touch it, so a slice has the values of
 *       its whole cycle;</li>
 *   <li>{@code combine_scheds([pct, 1 - pct], ...)}: the phase ends are a float32 tensor
 *       {@code cumsum([0, pct, 1 - pct])}; the position is compared with them and subtracted and divided in float32
 *       ({@code idx = min(max(i : pos >= pcts[i]), 1)}, {@code (pos - pcts[idx]) / (pcts[idx+1] - pcts[idx])}),
 *       and {@code .item()} gives the float64 phase fraction;</li>
 *   <li>{@code SchedCos(start, end)(p) = start + (1 + cos(pi * (1 - p))) * (end - start) / 2} in float64
 *       ({@code SchedLin}: {@code start + p * (end - start)}), lr from {@code lr_max / div} to {@code lr_max} to
 *       {@code lr_max / div_final}, momentum {@code moms = (max, base, max)}.</li>
 * </ul>
 *
 * <p>Every operation is fastai's except the cosine: Java's {@code Math.cos} and the C library's {@code cos} that
 * Python calls may differ in the last bit (on the goldens: 6 of 5774 learning rates, by at most 1.4e-15
 * relative, where glibc's is not the correctly rounded value and Java's is; {@code StrictMath.cos} misses more
 * often). A pure function of the absolute step: the position of a step is recomputed by the same additions from its
 * epoch's start (the last one is remembered, so a sequential pass costs one addition a step).
 */
final class Fastai2OneCycle implements OneCycleSchedule {
    private final OneCyclePolicy policy;
    private final int nEpoch;
    private final int nIter;
    private final long totalIterations;
    /** {@code 1. / (n_iter * n_epoch)}: what {@code after_batch} adds. */
    private final double increment;
    /** {@code cumsum(tensor([0, pct, 1 - pct]))[1]} and {@code [2]}, float32. */
    private final float phaseEnd1;
    private final float phaseEnd2;
    private final boolean linear;
    private final double lrStart;
    private final double lrMax;
    private final double lrEnd;
    private final double momMax;
    private final double momBase;

    /**
     * The last position computed (step {@code lastStep}, or none: -1): a sequential pass continues from it. Guarded by
     * {@code this}; no allocation per call.
     */
    private long lastStep = -1;
    private double lastPct;

    Fastai2OneCycle(OneCyclePolicy policy, int nEpoch, int nIter) {
        this.policy = policy;
        this.nEpoch = Checks.positive("totEpochs", nEpoch);
        this.nIter = Checks.positive("itersPerEpoch", nIter);
        this.totalIterations = (long) nEpoch * nIter;
        this.increment = 1. / (double) totalIterations;
        double pct = policy.pctStart();
        float first = (float) pct;
        float second = (float) (1 - pct);
        // torch's CPU cumsum accumulates float32 in double and stores float32
        this.phaseEnd1 = (float) (0.0 + first);
        this.phaseEnd2 = (float) ((double) phaseEnd1 + (double) second);
        this.linear = policy.annealing() == Annealing.LINEAR;
        this.lrStart = policy.lrMax() / policy.divFactor();
        this.lrMax = policy.lrMax();
        this.lrEnd = policy.lrMax() / policy.finalDiv();
        this.momMax = policy.maxMomentum();
        this.momBase = policy.baseMomentum();
        rejectEmptySecondPhase();
    }

    /**
     * With {@code pct} so close to 1 that {@code pct + (1 - pct)} in float32 is {@code pct}, the second phase is
     * empty and fastai divides 0 by 0 (a NaN learning rate) at every step whose position reaches it.
     */
    private void rejectEmptySecondPhase() {
        if (phaseEnd2 == phaseEnd1 && (float) pctTrain(totalIterations - 1) >= phaseEnd1) {
            throw new InvalidParameterException("pctStart", "leaves an empty second phase in fastai2 style for a "
                    + "cycle of " + nEpoch + " x " + nIter + " steps (fastai computes NaN there: the phases are "
                    + "float32, where 1 - pctStart vanishes); choose a smaller pctStart", policy.pctStart());
        }
    }

    /** fastai's {@code pct_train} before the batch at {@code step}, bit for bit. */
    synchronized double pctTrain(long step) {
        long epoch = step / nIter;
        long epochStart = epoch * nIter;
        double pct;
        long at;
        if (lastStep >= epochStart && lastStep <= step) {
            pct = lastPct;
            at = lastStep;
        } else {
            pct = (double) epoch / nEpoch;
            at = epochStart;
        }
        for (; at < step; at++) {
            pct += increment;
        }
        lastStep = step;
        lastPct = pct;
        return pct;
    }

    /** {@code combine_scheds}' phase and float32 fraction of the phase at position {@code pct}. */
    private double value(long step, double start, double middle, double end) {
        float pos = (float) pctTrain(step);
        int idx = pos >= phaseEnd2 ? 2 : pos >= phaseEnd1 ? 1 : 0;
        idx = Math.min(idx, 1);
        float lo = idx == 0 ? 0f : phaseEnd1;
        float hi = idx == 0 ? phaseEnd1 : phaseEnd2;
        double p = (pos - lo) / (hi - lo);
        return idx == 0 ? anneal(start, middle, p) : anneal(middle, end, p);
    }

    private double anneal(double start, double end, double p) {
        if (linear) {
            return start + p * (end - start);
        }
        return start + (1 + Math.cos(Math.PI * (1 - p))) * (end - start) / 2;
    }

    @Override
    public double lr(long iteration) {
        checkIteration(iteration);
        return value(iteration, lrStart, lrMax, lrEnd);
    }

    @Override
    public double momentum(long iteration) {
        checkIteration(iteration);
        return value(iteration, momMax, momBase, momMax);
    }

    @Override
    public long totalIterations() {
        return totalIterations;
    }

    @Override
    public OneCyclePolicy policy() {
        return policy;
    }
}
