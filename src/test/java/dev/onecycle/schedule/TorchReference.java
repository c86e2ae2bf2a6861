package dev.onecycle.schedule;

/**
 * A port of PyTorch's {@code torch.optim.lr_scheduler.OneCycleLR.get_lr()} (phases as built in its
 * constructor). Where PyTorch raises {@code ZeroDivisionError} this throws {@link ArithmeticException}.
 */
final class TorchReference {
    private TorchReference() {
    }

    private record Phase(double endStep, double startLr, double endLr, double startMom, double endMom) {
    }

    /** {@code [lr, momentum]} at {@code stepNum}. {@code finalDivFactor} NaN means PyTorch's default 1e4. */
    static double[] at(int stepNum, int totalSteps, double maxLr, double divFactor, double pctStart,
            double finalDivFactor, double maxMomentum, double baseMomentum, boolean threePhase, Anneal anneal) {
        if (Double.isNaN(finalDivFactor)) {
            finalDivFactor = 1e4;
        }
        double initialLr = maxLr / divFactor;
        double minLr = initialLr / finalDivFactor;
        Phase[] phases;
        if (threePhase) {
            phases = new Phase[] {
                new Phase((double) (pctStart * totalSteps) - 1, initialLr, maxLr, maxMomentum, baseMomentum),
                new Phase((double) (2 * pctStart * totalSteps) - 2, maxLr, initialLr, baseMomentum, maxMomentum),
                new Phase(totalSteps - 1, initialLr, minLr, maxMomentum, maxMomentum),
            };
        } else {
            phases = new Phase[] {
                new Phase((double) (pctStart * totalSteps) - 1, initialLr, maxLr, maxMomentum, baseMomentum),
                new Phase(totalSteps - 1, maxLr, minLr, baseMomentum, maxMomentum),
            };
        }
        if (stepNum > totalSteps) {
            throw new IllegalArgumentException("Tried to step " + stepNum + " times. The specified number of total"
                    + " steps is " + totalSteps);
        }
        double startStep = 0;
        for (int i = 0; i < phases.length; i++) {
            double endStep = phases[i].endStep;
            if (stepNum <= endStep || i == phases.length - 1) {
                double denominator = endStep - startStep;
                if (denominator == 0) {
                    throw new ArithmeticException("float division by zero");
                }
                double pct = (stepNum - startStep) / denominator;
                double lr = anneal.apply(phases[i].startLr, phases[i].endLr, pct);
                double mom = anneal.apply(phases[i].startMom, phases[i].endMom, pct);
                return new double[] {lr, mom};
            }
            startStep = phases[i].endStep;
        }
        throw new AssertionError("unreachable");
    }
}
