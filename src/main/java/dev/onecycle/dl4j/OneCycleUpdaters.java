package dev.onecycle.dl4j;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * DL4J updaters driven by a 1cycle policy, and the in-place installation of the schedules into an existing
 * network (how a restored model is switched to a new cycle).
 */
public final class OneCycleUpdaters {
    private OneCycleUpdaters() {
    }

    /** SGD with Nesterov momentum: both the learning rate and the momentum follow the cycle. */
    public static Nesterovs nesterovs(OneCyclePolicy policy, CycleSlice slice) {
        return new Nesterovs(new OneCycleLearningRate(policy, slice), new OneCycleMomentum(policy, slice));
    }

    /** Plain SGD: the learning rate follows the cycle. */
    public static Sgd sgd(OneCyclePolicy policy, CycleSlice slice) {
        return new Sgd(new OneCycleLearningRate(policy, slice));
    }

    /** Adam: the learning rate follows the cycle; DL4J has no schedule for beta1, so it stays {@code beta1}. */
    public static Adam adam(OneCyclePolicy policy, CycleSlice slice, double beta1) {
        Adam adam = new Adam(new OneCycleLearningRate(policy, slice));
        adam.setBeta1(beta1);
        return adam;
    }

    /** The 1cycle learning-rate schedule the network's first updater uses, if it uses one. */
    public static java.util.Optional<OneCycleLearningRate> learningRateOf(Network network) {
        for (IUpdater u : network.appliedUpdaters()) {
            org.nd4j.linalg.schedule.ISchedule s = null;
            if (u instanceof Nesterovs) {
                s = ((Nesterovs) u).getLearningRateSchedule();
            } else if (u instanceof Sgd) {
                s = ((Sgd) u).getLearningRateSchedule();
            } else if (u instanceof Adam) {
                s = ((Adam) u).getLearningRateSchedule();
            }
            if (s instanceof OneCycleLearningRate) {
                return java.util.Optional.of((OneCycleLearningRate) s);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Sets the 1cycle learning rate (and, for Nesterovs, momentum) on every updater of {@code network}, in
     * place, so the network's existing updater state and gradient updaters keep working with the new cycle.
     */
    public static void install(Network network, OneCyclePolicy policy, CycleSlice slice) {
        OneCycleLearningRate lr = new OneCycleLearningRate(policy, slice);
        OneCycleMomentum momentum = new OneCycleMomentum(policy, slice);
        for (IUpdater u : network.configuredUpdaters()) {
            if (!u.hasLearningRate()) {
                throw new IllegalArgumentException("updater " + u.getClass().getSimpleName()
                        + " has no learning rate to schedule; use Sgd, Nesterovs, Adam or another updater with one");
            }
            u.setLrAndSchedule(policy.initialLr(), lr);
            if (u instanceof Nesterovs) {
                ((Nesterovs) u).setMomentumISchedule(momentum);
            }
        }
    }
}
