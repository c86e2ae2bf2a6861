package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import java.util.List;

/**
 * Stops training at the averaging round whose loss is not finite (NaN or infinite), and at the end of an epoch
 * whose averaged parameters are not finite, with a {@link TrainingDivergedException} naming the iteration and the
 * learning rate it applied. Register it before any observer that saves the network (an {@link EpochCheckpointer})
 * so that no checkpoint of diverged parameters is written: observers run in the order they were added.
 */
public final class DivergenceGuard implements TrainingObserver {
    private AppliedStep last;

    @Override
    public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
        AppliedStep first = null;
        for (AppliedStep s : applied) { // sorted by iteration, then worker
            if (!Double.isFinite(s.score())) {
                first = s;
                break;
            }
        }
        if (first == null && !Double.isFinite(meanScore) && !applied.isEmpty()) {
            first = applied.get(0);
        }
        if (first != null) {
            throw new TrainingDivergedException(first.iteration(), first.lr());
        }
        if (!applied.isEmpty()) {
            last = applied.get(applied.size() - 1);
        }
    }

    @Override
    public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
        // the last round's update is only seen in the parameters: a finite loss was computed before it
        if (!Double.isFinite(network.params().sumNumber().doubleValue())) {
            throw new TrainingDivergedException(last == null ? epoch.iterationsDone() - 1 : last.iteration(),
                    last == null ? Double.NaN : last.lr());
        }
    }
}
