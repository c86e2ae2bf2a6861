package dev.onecycle.schedule;

/**
 * The annealing functions of fastai v1 ({@code fastai/callback.py}) and PyTorch ({@code OneCycleLR}),
 * written out again for the reference implementations so they do not depend on {@link Annealing}.
 */
@FunctionalInterface
interface Anneal {
    double apply(double start, double end, double pct);

    /** {@code annealing_cos}: {@code end + (start-end)/2 * (cos(pi*pct) + 1)}. */
    Anneal COS = (start, end, pct) -> {
        double cosOut = Math.cos(Math.PI * pct) + 1;
        return end + (start - end) / 2 * cosOut;
    };

    /** {@code annealing_linear}: {@code start + pct*(end-start)}. */
    Anneal LINEAR = (start, end, pct) -> start + pct * (end - start);

    static Anneal of(Annealing annealing) {
        return annealing == Annealing.COS ? COS : LINEAR;
    }
}
