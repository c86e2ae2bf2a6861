package dev.onecycle.gpu;

/**
 * The default model ({@link dev.onecycle.dl4j.FashionMlp}: inputs -> hidden ReLU -> softmax, multi-class cross
 * entropy, L2 1e-4 on the weights, Nesterov momentum) trained in plain Java, in double precision, on the CPU:
 * the reference {@code onecycle gpu-check} compares ND4J's result against. It follows DL4J's arithmetic: the
 * loss gradient is divided by the minibatch size, then L2 ({@code grad += l2 * w}) is added, then Nesterov
 * ({@code v' = mu v - lr g; w -= mu v - (1 + mu) v'}); the score of a step is the mean loss of its minibatch
 * before the update (the data loss only: the L2 penalty is in the gradient, not in the score, as with
 * {@code dl4j.DataLossNetworks}).
 */
final class ReferenceMlp {
    private final double lr;
    private final double momentum;
    private final double l2;
    final double[][] w1; // [inputs][hidden]
    final double[] b1;
    final double[][] w2; // [hidden][classes]
    final double[] b2;
    private final double[][] vw1;
    private final double[] vb1;
    private final double[][] vw2;
    private final double[] vb2;

    ReferenceMlp(double[][] w1, double[] b1, double[][] w2, double[] b2, double lr, double momentum, double l2) {
        this.w1 = w1;
        this.b1 = b1;
        this.w2 = w2;
        this.b2 = b2;
        this.lr = lr;
        this.momentum = momentum;
        this.l2 = l2;
        vw1 = new double[w1.length][w1[0].length];
        vb1 = new double[b1.length];
        vw2 = new double[w2.length][w2[0].length];
        vb2 = new double[b2.length];
    }

    /** One minibatch step ({@code x[n][inputs]}, {@code labels[n]} class indices); returns its score. */
    double fit(double[][] x, int[] labels) {
        int n = x.length;
        int hidden = b1.length;
        int classes = b2.length;
        double[][] h = new double[n][hidden];
        double[][] p = new double[n][classes];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < hidden; j++) {
                double z = b1[j];
                for (int k = 0; k < x[i].length; k++) {
                    z += x[i][k] * w1[k][j];
                }
                h[i][j] = Math.max(0, z);
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double z = b2[c];
                for (int j = 0; j < hidden; j++) {
                    z += h[i][j] * w2[j][c];
                }
                p[i][c] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                p[i][c] = Math.exp(p[i][c] - max);
                sum += p[i][c];
            }
            for (int c = 0; c < classes; c++) {
                p[i][c] /= sum;
            }
            loss -= Math.log(p[i][labels[i]]);
        }
        double score = loss / n; // the data loss only, as DL4J's score is here (dl4j.DataLossNetworks)

        // gradients of the mean loss
        double[][] dz2 = new double[n][classes];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < classes; c++) {
                dz2[i][c] = (p[i][c] - (c == labels[i] ? 1 : 0)) / n;
            }
        }
        double[][] gw2 = new double[hidden][classes];
        double[] gb2 = new double[classes];
        double[][] dz1 = new double[n][hidden];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < classes; c++) {
                gb2[c] += dz2[i][c];
                for (int j = 0; j < hidden; j++) {
                    gw2[j][c] += h[i][j] * dz2[i][c];
                }
            }
            for (int j = 0; j < hidden; j++) {
                if (h[i][j] > 0) {
                    double d = 0;
                    for (int c = 0; c < classes; c++) {
                        d += dz2[i][c] * w2[j][c];
                    }
                    dz1[i][j] = d;
                }
            }
        }
        double[][] gw1 = new double[w1.length][hidden];
        double[] gb1 = new double[hidden];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < hidden; j++) {
                double d = dz1[i][j];
                if (d != 0) {
                    gb1[j] += d;
                    for (int k = 0; k < x[i].length; k++) {
                        gw1[k][j] += x[i][k] * d;
                    }
                }
            }
        }
        step(w1, gw1, vw1, l2);
        step(b1, gb1, vb1, 0);
        step(w2, gw2, vw2, l2);
        step(b2, gb2, vb2, 0);
        return score;
    }

    private void step(double[][] w, double[][] g, double[][] v, double decay) {
        for (int r = 0; r < w.length; r++) {
            step(w[r], g[r], v[r], decay);
        }
    }

    private void step(double[] w, double[] g, double[] v, double decay) {
        for (int i = 0; i < w.length; i++) {
            double grad = g[i] + decay * w[i];
            double before = v[i];
            v[i] = momentum * v[i] - lr * grad;
            w[i] -= momentum * before - (1 + momentum) * v[i];
        }
    }
}
