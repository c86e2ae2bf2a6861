package dev.onecycle.schedule;

/**
 * The learning rate and momentum of a 1cycle policy at every step of a cycle of {@link #totalIterations()}
 * minibatch steps. A pure function of the absolute step: no counters, so values can be asked for in any
 * order, and a cycle run in pieces sees exactly the values of one uninterrupted run.
 *
 * <p>Steps outside {@code [0, totalIterations)} are refused: the cycle is over there (fastai stops training
 * at that point, PyTorch raises).
 */
public interface OneCycleSchedule extends StepSchedule {
    /** The learning rate to use for the minibatch at step {@code iteration} of the cycle. */
    double lr(long iteration);

    /** The momentum (or Adam's beta1) to use for the minibatch at step {@code iteration} of the cycle. */
    double momentum(long iteration);

    /** The number of minibatch steps in the whole cycle. */
    long totalIterations();

    /** The policy this schedule follows. */
    OneCyclePolicy policy();

    /** Throws unless {@code iteration} is a step of this cycle. */
    default void checkIteration(long iteration) {
        if (iteration < 0 || iteration >= totalIterations()) {
            throw new IllegalArgumentException("iteration must be in [0, " + totalIterations()
                    + ") (the cycle has " + totalIterations() + " steps), got " + iteration);
        }
    }
}
