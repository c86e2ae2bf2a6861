package dev.onecycle.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * A literal, stateful port of fastai 2's training loop as far as the 1cycle goes: {@code Learner.fit} with
 * {@code SkipToEpoch(start_epoch)}, {@code TrainEvalCallback} ({@code before_train}: {@code pct_train =
 * epoch/n_epoch}; {@code after_batch}: {@code pct_train += 1./(n_iter*n_epoch)}) and {@code ParamScheduler}
 * ({@code before_batch}: each hyper-parameter is {@code combined_cos(pct, ...)(pct_train)}), with
 * {@code combine_scheds}' float32 tensor arithmetic written out. It runs batch after batch; the schedule under test
 * computes any step on its own. The goldens (Fastai2GoldenTest) check this algorithm against fastai itself.
 */
final class Fastai2Reference {
    private Fastai2Reference() {
    }

    /** What each trained batch used. */
    record Run(double[] lr, double[] mom) {
    }

    /** {@code combine_scheds([pct, 1-pct], [f(start, middle), f(middle, end)])}. */
    static final class Combined {
        final float[] pcts = new float[3];
        final double start;
        final double middle;
        final double end;
        final boolean cos;

        Combined(double pct, double start, double middle, double end, boolean cos) {
            float[] t = {0f, (float) pct, (float) (1 - pct)}; // tensor([0] + L(pcts)): float32
            double acc = 0; // torch.cumsum on CPU: float32 accumulated in double
            for (int i = 0; i < 3; i++) {
                acc += t[i];
                pcts[i] = (float) acc;
            }
            this.start = start;
            this.middle = middle;
            this.end = end;
            this.cos = cos;
        }

        double at(double pos) {
            float p = (float) pos; // a Python float against a float32 tensor: float32
            int idx = -1;
            for (int i = 0; i < 3; i++) {
                if (p >= pcts[i]) {
                    idx = i; // (pos >= pcts).nonzero().max()
                }
            }
            idx = Math.min(idx, 3 - 2);
            float actual = (p - pcts[idx]) / (pcts[idx + 1] - pcts[idx]);
            double a = actual; // .item()
            double s = idx == 0 ? start : middle;
            double e = idx == 0 ? middle : end;
            return cos ? s + (1 + Math.cos(Math.PI * (1 - a))) * (e - s) / 2 : s + a * (e - s);
        }
    }

    static Run fit(double lrMax, double div, double divFinal, double pct, double momMax, double momBase, boolean cos,
            int nIter, int nEpoch, int startEpoch) {
        Combined lr = new Combined(pct, lrMax / div, lrMax, lrMax / divFinal, cos);
        Combined mom = new Combined(pct, momMax, momBase, momMax, cos);
        List<double[]> used = new ArrayList<>();
        double pctTrain = 0.; // before_fit
        for (int epoch = 0; epoch < nEpoch; epoch++) {
            if (epoch < startEpoch) {
                continue; // SkipToEpoch.before_epoch: CancelEpochException
            }
            pctTrain = (double) epoch / nEpoch; // before_train
            for (int i = 0; i < nIter; i++) {
                used.add(new double[] {lr.at(pctTrain), mom.at(pctTrain)}); // ParamScheduler.before_batch
                pctTrain += 1. / ((long) nIter * nEpoch); // TrainEvalCallback.after_batch
            }
        }
        double[] l = new double[used.size()];
        double[] m = new double[used.size()];
        for (int i = 0; i < used.size(); i++) {
            l[i] = used.get(i)[0];
            m[i] = used.get(i)[1];
        }
        return new Run(l, m);
    }
}
