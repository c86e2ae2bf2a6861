package dev.onecycle.schedule;

/**
 * fastai v1's {@code OneCycleScheduler} (fastai/callbacks/one_cycle.py with callback.py's {@code Scheduler}):
 * {@code n} steps, {@code a1 = int(n * pctStart)}, {@code a2 = n - a1}; each phase anneals over
 * {@code max(1, a)} scheduler steps. Before batch 0 the callback sets the phase-1 start value; after batch
 * {@code k} it steps, so batch {@code i >= 1} uses phase 1 at {@code i / N1} for {@code i <= N1}, then phase 2 at
 * {@code (i - N1) / N2}.
 */
final class FastaiOneCycle implements OneCycleSchedule {
    private final OneCyclePolicy policy;
    private final long totalIterations;
    private final long phase1Steps;
    private final long phase2Steps;
    private final Annealing annealing;
    private final double lrStart;
    private final double lrMax;
    private final double lrEnd;
    private final double momMax;
    private final double momBase;

    FastaiOneCycle(OneCyclePolicy policy, long totalIterations) {
        this.policy = policy;
        this.totalIterations = totalIterations;
        long a1 = (long) (totalIterations * policy.pctStart());
        long a2 = totalIterations - a1;
        this.phase1Steps = Math.max(1, a1);
        this.phase2Steps = Math.max(1, a2);
        this.annealing = policy.annealing();
        this.lrStart = policy.lrMax() / policy.divFactor();
        this.lrMax = policy.lrMax();
        this.lrEnd = policy.lrMax() / policy.finalDiv();
        this.momMax = policy.maxMomentum();
        this.momBase = policy.baseMomentum();
    }

    @Override
    public double lr(long iteration) {
        checkIteration(iteration);
        if (iteration == 0) {
            return lrStart;
        }
        if (iteration <= phase1Steps) {
            return annealing.between(lrStart, lrMax, (double) iteration / phase1Steps);
        }
        return annealing.between(lrMax, lrEnd, (double) (iteration - phase1Steps) / phase2Steps);
    }

    @Override
    public double momentum(long iteration) {
        checkIteration(iteration);
        if (iteration == 0) {
            return momMax;
        }
        if (iteration <= phase1Steps) {
            return annealing.between(momMax, momBase, (double) iteration / phase1Steps);
        }
        return annealing.between(momBase, momMax, (double) (iteration - phase1Steps) / phase2Steps);
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
