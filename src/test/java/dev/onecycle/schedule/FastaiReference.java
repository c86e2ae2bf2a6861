package dev.onecycle.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * A literal port of fastai v1's stateful {@code OneCycleScheduler} callback (fastai/callbacks/one_cycle.py)
 * with its {@code Scheduler} (fastai/callback.py), driven through a simulated training loop. The value
 * recorded for batch {@code i} is the one the callback has set on the optimizer before that batch.
 */
final class FastaiReference {
    private FastaiReference() {
    }

    /** fastai/callback.py {@code Scheduler}. */
    static final class Scheduler {
        final double start;
        final double end;
        final int nIter;
        final Anneal func;
        int n;

        Scheduler(double start, double end, int nIter, Anneal func) {
            this.start = start;
            this.end = end;
            this.nIter = Math.max(1, nIter);
            this.func = func;
            this.n = 0;
        }

        double step() {
            n += 1;
            return func.apply(start, end, (double) n / nIter);
        }

        boolean isDone() {
            return n >= nIter;
        }
    }

    /** The learning rates and momenta used for each batch of the run. */
    record Run(double[] lr, double[] mom) {
    }

    /**
     * Simulates {@code fit(totEpochs)} with {@code OneCycleScheduler(lr_max, moms=(mom0, mom1), div_factor,
     * pct_start, final_div)} on {@code itersPerEpoch} batches per epoch. {@code finalDiv} NaN means fastai's
     * default {@code div_factor * 1e4}.
     */
    static Run run(double lrMax, double divFactor, double pctStart, double finalDiv, double mom0, double mom1,
            Anneal func, int itersPerEpoch, int totEpochs) {
        if (Double.isNaN(finalDiv)) {
            finalDiv = divFactor * 1e4;
        }
        // on_train_begin
        int n = itersPerEpoch * totEpochs;
        int a1 = (int) (n * pctStart);
        int a2 = n - a1;
        double lowLr = lrMax / divFactor;
        List<Scheduler> lrScheds = List.of(new Scheduler(lowLr, lrMax, a1, func),
                new Scheduler(lrMax, lrMax / finalDiv, a2, func));
        List<Scheduler> momScheds = List.of(new Scheduler(mom0, mom1, a1, func),
                new Scheduler(mom1, mom0, a2, func));
        double optLr = lrScheds.get(0).start;
        double optMom = momScheds.get(0).start;
        int idxS = 0;

        List<double[]> used = new ArrayList<>();
        boolean stop = false;
        for (int epoch = 0; epoch < totEpochs && !stop; epoch++) {
            for (int b = 0; b < itersPerEpoch; b++) {
                used.add(new double[] {optLr, optMom}); // the batch trains with the current values
                // on_batch_end(train=True)
                if (idxS >= lrScheds.size()) {
                    stop = true; // {'stop_training': True, 'stop_epoch': True}
                    break;
                }
                optLr = lrScheds.get(idxS).step();
                optMom = momScheds.get(idxS).step();
                if (lrScheds.get(idxS).isDone()) {
                    idxS += 1;
                }
            }
        }
        double[] lr = new double[used.size()];
        double[] mom = new double[used.size()];
        for (int i = 0; i < used.size(); i++) {
            lr[i] = used.get(i)[0];
            mom[i] = used.get(i)[1];
        }
        return new Run(lr, mom);
    }
}
