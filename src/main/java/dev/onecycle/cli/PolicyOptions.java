package dev.onecycle.cli;

import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleStyle;
import picocli.CommandLine.Option;

/**
 * The 1cycle policy flags every command shares (all but {@code --lr-max}, whose default differs per command);
 * unset flags keep the reference defaults.
 */
final class PolicyOptions {
    @Option(names = "--div-factor", paramLabel = "D", converter = Converters.Number.class,
            description = "The cycle starts at lr-max / D (default: 25).")
    Double divFactor;

    @Option(names = "--pct-start", paramLabel = "P", converter = Converters.Number.class,
            description = "Fraction of the cycle spent warming up, in [0, 1] (default: 0.3).")
    Double pctStart;

    @Option(names = "--final-div", paramLabel = "F", converter = Converters.Number.class,
            description = "Final divisor: fastai ends at lr-max / F (default: D * 1e4), pytorch at "
                    + "lr-max / D / F (default: 1e4).")
    Double finalDiv;

    @Option(names = "--moms", paramLabel = "MAX,BASE", converter = Converters.Moms.class,
            description = "Momentum at the ends and at the peak, each in [0, 1) (default: 0.95,0.85).")
    Converters.MomentumPair moms;

    @Option(names = "--style", paramLabel = "fastai|pytorch", defaultValue = "fastai",
            converter = Converters.Style.class,
            description = "Reference implementation to reproduce exactly (default: ${DEFAULT-VALUE}).")
    OneCycleStyle style;

    @Option(names = "--anneal", paramLabel = "cos|linear", defaultValue = "cos",
            converter = Converters.Anneal.class, description = "Annealing within each phase (default: cos).")
    Annealing anneal;

    @Option(names = "--three-phase", description = "PyTorch's three_phase (pytorch style only).")
    boolean threePhase;

    /** The policy with peak learning rate {@code lrMax} and these flags; the builder validates every value. */
    OneCyclePolicy policy(double lrMax) {
        OneCyclePolicy.Builder b = OneCyclePolicy.builder().setLrMax(lrMax).optStyle(style).optAnnealing(anneal)
                .optThreePhase(threePhase);
        if (divFactor != null) {
            b.optDivFactor(divFactor);
        }
        if (pctStart != null) {
            b.optPctStart(pctStart);
        }
        if (finalDiv != null) {
            b.optFinalDiv(finalDiv);
        }
        if (moms != null) {
            b.optMomentum(moms.max(), moms.base());
        }
        return b.build();
    }
}
