package dev.onecycle.spark;

import java.util.Locale;

/** The training loss (or the parameters) became NaN or infinite; see {@link DivergenceGuard}. */
public class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long iteration;
    private final double lr;

    public TrainingDivergedException(long iteration, double lr) {
        super(String.format(Locale.ROOT, "training diverged at iteration %d (lr %s); lower --lr-max", iteration,
                Double.toString(lr)));
        this.iteration = iteration;
        this.lr = lr;
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
