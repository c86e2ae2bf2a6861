package dev.onecycle.schedule;

/**
 * The learning rate and momentum of every minibatch step, as a pure function of the absolute step: what a
 * trainer's workers apply. A 1cycle ({@link OneCycleSchedule}) is one; the learning-rate range test's
 * exponential sweep ({@code dev.onecycle.lrfind.RangeSchedule}) is another. Implementations a Spark trainer
 * ships to its workers are {@link java.io.Serializable}.
 */
public interface StepSchedule {
    /** The learning rate of the minibatch at step {@code iteration}. */
    double lr(long iteration);

    /** The momentum (or Adam's beta1) of the minibatch at step {@code iteration}. */
    double momentum(long iteration);
}
