package dev.onecycle.dl4j;

import dev.onecycle.schedule.StepSchedule;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Installs any {@link StepSchedule} (not only a 1cycle) into an existing network's updaters, in place, as
 * {@link OneCycleUpdaters#install} does for a 1cycle: the learning rate of every updater, and the momentum of
 * Nesterovs, follow the schedule at the network's iteration count. The schedule must be
 * {@link java.io.Serializable} for a network that Spark ships; it is not written into a saved model's JSON.
 */
public final class StepScheduleUpdaters {
    private StepScheduleUpdaters() {
    }

    public static void install(Network network, StepSchedule schedule) {
        ISchedule lr = new Values(schedule, false);
        ISchedule momentum = new Values(schedule, true);
        for (IUpdater u : network.configuredUpdaters()) {
            if (!u.hasLearningRate()) {
                throw new IllegalArgumentException("updater " + u.getClass().getSimpleName()
                        + " has no learning rate to schedule; use Sgd, Nesterovs, Adam or another updater with one");
            }
            u.setLrAndSchedule(schedule.lr(0), lr);
            if (u instanceof Nesterovs) {
                ((Nesterovs) u).setMomentumISchedule(momentum);
            }
        }
    }

    /** The schedule's learning rate or momentum at DL4J's iteration (the absolute step) as an ISchedule. */
    static final class Values implements ISchedule {
        private static final long serialVersionUID = 1L;
        private final StepSchedule schedule;
        private final boolean momentum;

        Values(StepSchedule schedule, boolean momentum) {
            if (!(schedule instanceof java.io.Serializable)) {
                throw new IllegalArgumentException("the step schedule " + schedule.getClass().getName()
                        + " must be Serializable: Spark ships it to the workers");
            }
            this.schedule = schedule;
            this.momentum = momentum;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            return momentum ? schedule.momentum(iteration) : schedule.lr(iteration);
        }

        /** Immutable, so a clone is the same object. */
        @Override
        public ISchedule clone() {
            return this;
        }
    }
}
