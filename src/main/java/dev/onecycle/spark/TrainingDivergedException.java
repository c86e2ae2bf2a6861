package dev.onecycle.spark;

import java.util.Locale;

/** The training loss (or the parameters) became NaN or infinite; see {@link DivergenceGuard}. */
public class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long iteration;
    private final double lr;

    /** The setting to lower, as the message names it. */
    public static final String PARAMETER = "lrMax";

    public TrainingDivergedException(long iteration, double lr) {
        super(message(iteration, lr, PARAMETER));
        this.iteration = iteration;
        this.lr = lr;
    }

    private static String message(long iteration, double lr, String setting) {
        return String.format(Locale.ROOT, "training diverged at iteration %d (lr %s); lower %s", iteration,
                Double.toString(lr), setting);
    }

    /** The message with {@link #PARAMETER} named as the caller names it ({@code --lr-max} on the command line). */
    public String messageNaming(String setting) {
        return message(iteration, lr, setting);
    }

    /** The cycle iteration whose loss (or, at an epoch's end, whose update) was first not finite. */
    public long iteration() {
        return iteration;
    }

    /** The learning rate that iteration applied. */
    public double lr() {
        return lr;
    }
}
