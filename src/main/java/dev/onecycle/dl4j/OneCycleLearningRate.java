package dev.onecycle.dl4j;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The 1cycle learning rate as a DL4J {@link org.nd4j.linalg.schedule.ISchedule}, for any updater that takes a learning-rate schedule
 * ({@code Sgd}, {@code Nesterovs}, {@code Adam}, ...): {@code new Nesterovs(lr, momentum)}.
 * {@code valueAt(iteration, epoch)} is {@code policy.lr(iteration)}; it allocates nothing.
 */
public final class OneCycleLearningRate extends OneCycleScheduleBase {
    private static final long serialVersionUID = 1L;

    /** The learning rate over the whole cycle that {@code slice} is part of. */
    public OneCycleLearningRate(OneCyclePolicy policy, CycleSlice slice) {
        super(policy, slice);
    }

    @JsonCreator
    public OneCycleLearningRate(@JsonProperty("lrMax") double lrMax, @JsonProperty("divFactor") double divFactor,
            @JsonProperty("pctStart") double pctStart, @JsonProperty("finalDiv") double finalDiv,
            @JsonProperty("maxMomentum") double maxMomentum, @JsonProperty("baseMomentum") double baseMomentum,
            @JsonProperty("annealing") String annealing, @JsonProperty("style") String style,
            @JsonProperty("threePhase") boolean threePhase, @JsonProperty("totEpochs") int totEpochs,
            @JsonProperty("itersPerEpoch") int itersPerEpoch) {
        super(lrMax, divFactor, pctStart, finalDiv, maxMomentum, baseMomentum, annealing, style, threePhase,
                totEpochs, itersPerEpoch);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return schedule.lr(iteration);
    }
}
