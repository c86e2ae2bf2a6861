package dev.onecycle.dl4j;

import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;
import dev.onecycle.schedule.OneCycleStyle;
import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * What the learning-rate and momentum {@link ISchedule}s share: a 1cycle policy over a whole cycle of
 * {@code totEpochs * itersPerEpoch} steps, stored as plain JSON properties so that DL4J's configuration JSON
 * and {@code ModelSerializer} carry it, and Java-serialisable for Spark broadcasts.
 *
 * <p>DL4J passes the network's iteration count to {@code valueAt}; it is the step of the cycle. The schedule
 * covers the whole cycle, so the same object serves every slice of it.
 */
public abstract class OneCycleScheduleBase implements ISchedule {
    private static final long serialVersionUID = 1L;

    @JsonProperty("lrMax")
    protected final double lrMax;
    @JsonProperty("divFactor")
    protected final double divFactor;
    @JsonProperty("pctStart")
    protected final double pctStart;
    @JsonProperty("finalDiv")
    protected final double finalDiv;
    @JsonProperty("maxMomentum")
    protected final double maxMomentum;
    @JsonProperty("baseMomentum")
    protected final double baseMomentum;
    @JsonProperty("annealing")
    protected final String annealing;
    @JsonProperty("style")
    protected final String style;
    @JsonProperty("threePhase")
    protected final boolean threePhase;
    @JsonProperty("totEpochs")
    protected final int totEpochs;
    @JsonProperty("itersPerEpoch")
    protected final int itersPerEpoch;

    /** Rebuilt from the fields above on construction and after Java deserialisation. */
    @JsonIgnore
    protected transient OneCycleSchedule schedule;

    OneCycleScheduleBase(OneCyclePolicy policy, CycleSlice slice) {
        this(policy.lrMax(), policy.divFactor(), policy.pctStart(), policy.finalDiv(), policy.maxMomentum(),
                policy.baseMomentum(), policy.annealing().id(), policy.style().id(), policy.threePhase(),
                slice.totEpochs(), slice.itersPerEpoch());
    }

    OneCycleScheduleBase(double lrMax, double divFactor, double pctStart, double finalDiv, double maxMomentum,
            double baseMomentum, String annealing, String style, boolean threePhase, int totEpochs,
            int itersPerEpoch) {
        this.lrMax = lrMax;
        this.divFactor = divFactor;
        this.pctStart = pctStart;
        this.finalDiv = finalDiv;
        this.maxMomentum = maxMomentum;
        this.baseMomentum = baseMomentum;
        this.annealing = annealing;
        this.style = style;
        this.threePhase = threePhase;
        this.totEpochs = totEpochs;
        this.itersPerEpoch = itersPerEpoch;
        this.schedule = policy().schedule(slice());
    }

    /** The policy, rebuilt (and so re-validated) from the stored values. */
    public OneCyclePolicy policy() {
        return OneCyclePolicy.builder().setLrMax(lrMax).optDivFactor(divFactor).optPctStart(pctStart)
                .optFinalDiv(finalDiv).optMomentum(maxMomentum, baseMomentum)
                .optAnnealing(Annealing.parse(annealing)).optStyle(OneCycleStyle.parse(style))
                .optThreePhase(threePhase).build();
    }

    /** The whole cycle this schedule covers (epoch 0 to {@code totEpochs}). */
    public CycleSlice slice() {
        return CycleSlice.full(totEpochs, itersPerEpoch);
    }

    /** The pure schedule behind this adapter. */
    public OneCycleSchedule schedule() {
        return schedule;
    }

    /** Immutable, so a clone is the same object. */
    @Override
    public ISchedule clone() {
        return this;
    }

    /** Java deserialisation leaves the transient schedule null: rebuild it. */
    protected Object readResolve() {
        schedule = policy().schedule(slice());
        return this;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        OneCycleScheduleBase s = (OneCycleScheduleBase) o;
        return Double.compare(lrMax, s.lrMax) == 0 && Double.compare(divFactor, s.divFactor) == 0
                && Double.compare(pctStart, s.pctStart) == 0 && Double.compare(finalDiv, s.finalDiv) == 0
                && Double.compare(maxMomentum, s.maxMomentum) == 0
                && Double.compare(baseMomentum, s.baseMomentum) == 0 && annealing.equals(s.annealing)
                && style.equals(s.style) && threePhase == s.threePhase && totEpochs == s.totEpochs
                && itersPerEpoch == s.itersPerEpoch;
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), lrMax, divFactor, pctStart, finalDiv, maxMomentum, baseMomentum,
                annealing, style, threePhase, totEpochs, itersPerEpoch);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + policy() + ", totEpochs=" + totEpochs + ", itersPerEpoch="
                + itersPerEpoch + "}";
    }
}
