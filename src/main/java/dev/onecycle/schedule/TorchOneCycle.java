package dev.onecycle.schedule;

/**
 * PyTorch's {@code torch.optim.lr_scheduler.OneCycleLR.get_lr()}: phases end at {@code pctStart * n - 1} and
 * {@code n - 1} (three-phase: {@code pctStart * n - 1}, {@code 2 * pctStart * n - 2}, {@code n - 1}); step
 * {@code i} falls in the first phase whose end is {@code >= i} (or the last), at
 * {@code pct = (i - phaseStart) / (phaseEnd - phaseStart)}. Initial LR {@code lrMax / divFactor}, minimum
 * {@code initial / finalDiv}.
 */
final class TorchOneCycle implements OneCycleSchedule {
    private final OneCyclePolicy policy;
    private final long totalIterations;
    private final Annealing annealing;
    private final double[] phaseEnd;
    private final double[] lrFrom;
    private final double[] lrTo;
    private final double[] momFrom;
    private final double[] momTo;

    TorchOneCycle(OneCyclePolicy policy, long totalIterations) {
        this.policy = policy;
        this.totalIterations = totalIterations;
        this.annealing = policy.annealing();
        double n = totalIterations;
        double initial = policy.lrMax() / policy.divFactor();
        double max = policy.lrMax();
        double min = initial / policy.finalDiv();
        double mMax = policy.maxMomentum();
        double mBase = policy.baseMomentum();
        if (policy.threePhase()) {
            phaseEnd = new double[] {policy.pctStart() * n - 1, 2 * policy.pctStart() * n - 2, n - 1};
            lrFrom = new double[] {initial, max, initial};
            lrTo = new double[] {max, initial, min};
            momFrom = new double[] {mMax, mBase, mMax};
            momTo = new double[] {mBase, mMax, mMax};
        } else {
            phaseEnd = new double[] {policy.pctStart() * n - 1, n - 1};
            lrFrom = new double[] {initial, max};
            lrTo = new double[] {max, min};
            momFrom = new double[] {mMax, mBase};
            momTo = new double[] {mBase, mMax};
        }
        rejectEmptyPhases();
    }

    /** PyTorch divides by zero (ZeroDivisionError) where a step lands in a phase of zero length. */
    private void rejectEmptyPhases() {
        for (long i = 0; i < totalIterations; i = nextPhaseBoundary(i)) {
            int p = phaseOf(i);
            double start = p == 0 ? 0 : phaseEnd[p - 1];
            if (phaseEnd[p] - start == 0) {
                throw new InvalidParameterException("pctStart", "gives an empty phase for a cycle of "
                        + totalIterations + " steps in pytorch style (pctStart * n - 1 = 0, which PyTorch "
                        + "divides by); choose another pctStart or cycle length", policy.pctStart());
            }
        }
    }

    /** The first step after {@code i} that could be in a later phase (only a few per cycle are visited). */
    private long nextPhaseBoundary(long i) {
        int p = phaseOf(i);
        if (p == phaseEnd.length - 1) {
            return totalIterations;
        }
        return Math.max(i + 1, (long) Math.floor(phaseEnd[p]) + 1);
    }

    private int phaseOf(long iteration) {
        int last = phaseEnd.length - 1;
        for (int p = 0; p < last; p++) {
            if (iteration <= phaseEnd[p]) {
                return p;
            }
        }
        return last;
    }

    private double pct(int phase, long iteration) {
        double start = phase == 0 ? 0 : phaseEnd[phase - 1];
        return (iteration - start) / (phaseEnd[phase] - start);
    }

    @Override
    public double lr(long iteration) {
        checkIteration(iteration);
        int p = phaseOf(iteration);
        return annealing.between(lrFrom[p], lrTo[p], pct(p, iteration));
    }

    @Override
    public double momentum(long iteration) {
        checkIteration(iteration);
        int p = phaseOf(iteration);
        return annealing.between(momFrom[p], momTo[p], pct(p, iteration));
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
