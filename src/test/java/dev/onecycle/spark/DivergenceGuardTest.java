package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard's two triggers: a round whose loss is not finite, and an epoch whose last update made NaNs. */
class DivergenceGuardTest {
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(1e4).build();
    private static final CycleSlice SLICE = CycleSlice.full(2, 10);
    private static final TrainingPlan PLAN = new TrainingPlan(POLICY, SLICE, 40, 2, 2, 5, 1);

    private static AppliedStep step(long iteration, int worker, double lr, double score) {
        return new AppliedStep(iteration, 0, worker, 0, lr, 0.9, score, "cpu");
    }

    @Test
    void theFirstNonFiniteScoreOfARoundNamesItsIterationAndLr() {
        DivergenceGuard guard = new DivergenceGuard();
        RoundState round = new RoundState(POLICY, SLICE, 0, 1, 5, 10, 1);
        guard.onRound(PLAN, new RoundState(POLICY, SLICE, 0, 0, 0, 5, 1), List.of(step(4, 0, 10.0, 2.3)), 2.3);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> guard.onRound(PLAN, round,
                List.of(step(5, 0, 12.5, 2.1), step(5, 1, 12.5, 2.2), step(6, 0, 15.0, Double.NaN),
                        step(6, 1, 15.0, Double.POSITIVE_INFINITY)), Double.NaN));
        assertEquals(6, e.iteration());
        assertEquals("training diverged at iteration 6 (lr 15.0); lower lrMax", e.getMessage());
    }

    @Test
    void nanParametersAtAnEpochsEndStopItEvenWithFiniteScores() {
        DivergenceGuard guard = new DivergenceGuard();
        guard.onRound(PLAN, new RoundState(POLICY, SLICE, 0, 1, 5, 10, 1), List.of(step(9, 1, 42.0, 1.5)), 1.5);
        Network net = FashionMlp.create(4, 3, 2, 1);
        EpochSummary summary = new EpochSummary(0, 10, 1.5, 20, 1.0);
        assertDoesNotThrow(() -> guard.onEpoch(PLAN, summary, net));
        net.params().putScalar(3, Double.NaN);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> guard.onEpoch(PLAN, summary, net));
        assertEquals("training diverged at iteration 9 (lr 42.0); lower lrMax", e.getMessage());
    }
}
