package dev.onecycle.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One set of 1cycle hyper-parameters plus a cycle length, for comparing our schedule against the references.
 * {@code finalDiv} NaN means "not set" (each reference's default).
 */
record Case(double lrMax, double divFactor, double pctStart, double finalDiv, double maxMom, double baseMom,
        Annealing annealing, boolean threePhase, int itersPerEpoch, int epochs) {

    int n() {
        return itersPerEpoch * epochs;
    }

    OneCyclePolicy policy(OneCycleStyle style) {
        OneCyclePolicy.Builder b = OneCyclePolicy.builder().setLrMax(lrMax).optDivFactor(divFactor)
                .optPctStart(pctStart).optMomentum(maxMom, baseMom).optAnnealing(annealing).optStyle(style)
                .optThreePhase(threePhase);
        if (!Double.isNaN(finalDiv)) {
            b.optFinalDiv(finalDiv);
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "lrMax=" + lrMax + " div=" + divFactor + " pct=" + pctStart + " finalDiv="
                + (Double.isNaN(finalDiv) ? "default" : finalDiv) + " moms=" + maxMom + "," + baseMom + " "
                + annealing.id() + (threePhase ? " threePhase" : "") + " n=" + itersPerEpoch + "x" + epochs;
    }

    /** The edge cases: tiny cycles, extreme pctStart, odd epoch lengths; both annealings. */
    static List<Case> edges(boolean threePhase) {
        List<Case> out = new ArrayList<>();
        double[] pcts = {0.0, 1e-9, 0.25, 0.3, 1.0 / 3, 0.5, 0.75, 0.999999, 1.0};
        int[][] lengths = {{1, 1}, {1, 2}, {1, 3}, {2, 1}, {3, 1}, {7, 1}, {7, 3}, {13, 1}, {13, 5}, {4, 1},
            {10, 1}, {10, 10}};
        for (Annealing a : Annealing.values()) {
            for (double pct : pcts) {
                for (int[] len : lengths) {
                    out.add(new Case(0.1, 25, pct, Double.NaN, 0.95, 0.85, a, threePhase, len[0], len[1]));
                }
            }
        }
        return out;
    }

    /** Seeded random hyper-parameters and cycle lengths. */
    static List<Case> random(long seed, int count, boolean threePhase) {
        Random r = new Random(seed);
        int[] odd = {1, 3, 5, 7, 13, 31};
        List<Case> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            double lrMax = Math.pow(10, -5 + 6 * r.nextDouble());
            double div = Math.pow(10, 3 * r.nextDouble()) + 1e-3;
            double pct;
            switch (r.nextInt(5)) {
                case 0:
                    pct = r.nextInt(11) / 10.0;
                    break;
                default:
                    pct = r.nextDouble();
            }
            double finalDiv = r.nextBoolean() ? Double.NaN : Math.pow(10, 6 * r.nextDouble()) + 1e-3;
            double m0 = 0.999 * r.nextDouble();
            double m1 = 0.999 * r.nextDouble();
            Annealing a = r.nextBoolean() ? Annealing.COS : Annealing.LINEAR;
            int ipe = r.nextBoolean() ? odd[r.nextInt(odd.length)] : 1 + r.nextInt(60);
            int epochs = 1 + r.nextInt(12);
            out.add(new Case(lrMax, div, pct, finalDiv, m0, m1, a, threePhase, ipe, epochs));
        }
        return out;
    }
}
