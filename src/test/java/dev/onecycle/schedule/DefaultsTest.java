package dev.onecycle.schedule;

import static dev.onecycle.schedule.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.RoundTrip;
import org.junit.jupiter.api.Test;

/** The reference defaults, and Java serialisation of the policy and the slice. */
class DefaultsTest {

    @Test
    void defaultsAreFastaiDefaults() {
        OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.01).build();
        assertEquals(25.0, p.divFactor());
        assertEquals(0.3, p.pctStart());
        assertEquals(0.95, p.maxMomentum());
        assertEquals(0.85, p.baseMomentum());
        assertEquals(Annealing.COS, p.annealing());
        assertEquals(OneCycleStyle.FASTAI, p.style());
        assertFalse(p.threePhase());
        assertEquals(25 * 1e4, p.finalDiv());
    }

    @Test
    void fastaiFinalLrIsLrMaxOverDivFactorTimes1e4() {
        for (double div : new double[] {25, 10, 3.5}) {
            OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.2).optDivFactor(div).build();
            assertEquals(div * 1e4, p.finalDiv());
            assertClose(0.2 / (div * 1e4), p.finalLr(), () -> "fastai final lr, div " + div);
            assertClose(0.2 / div, p.initialLr(), () -> "initial lr");
            // the last batch is one scheduler step short of the final value, and above it
            OneCycleSchedule s = p.over(50);
            assertTrue(s.lr(49) > p.finalLr());
            FastaiReference.Run ref = FastaiReference.run(0.2, div, 0.3, Double.NaN, 0.95, 0.85, Anneal.COS, 50, 1);
            assertClose(ref.lr()[49], s.lr(49), () -> "last step");
        }
        // an explicit finalDiv is fastai's final_div: lrMax / finalDiv
        OneCyclePolicy explicit = OneCyclePolicy.builder().setLrMax(0.2).optFinalDiv(100).build();
        assertClose(0.002, explicit.finalLr(), () -> "explicit final_div");
    }

    @Test
    void fastai2DefaultsAreFitOneCyclesAndFollowTheStyleNotTheBuilderOrder() {
        OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.01).optStyle(OneCycleStyle.FASTAI2).build();
        assertEquals(25.0, p.divFactor());
        assertEquals(0.25, p.pctStart(), "fit_one_cycle's pct_start");
        assertEquals(1e5, p.finalDiv(), "fit_one_cycle's div_final");
        assertEquals(0.95, p.maxMomentum());
        assertEquals(0.85, p.baseMomentum());
        assertClose(0.01 / 1e5, p.finalLr(), () -> "lr_max / div_final");
        // an unset value is the style's default whatever was set before the style
        OneCyclePolicy.Builder b = OneCyclePolicy.builder().setLrMax(0.01);
        assertEquals(0.3, b.build().pctStart());
        assertEquals(25e4, b.build().finalDiv());
        assertEquals(0.25, b.optStyle(OneCycleStyle.FASTAI2).build().pctStart());
        assertEquals(1e4, b.optStyle(OneCycleStyle.PYTORCH).build().finalDiv());
        assertEquals(0.3, b.build().pctStart());
        // set values stay what they were set to
        OneCyclePolicy set = OneCyclePolicy.builder().setLrMax(0.01).optPctStart(0.4).optFinalDiv(7)
                .optStyle(OneCycleStyle.FASTAI2).build();
        assertEquals(0.4, set.pctStart());
        assertEquals(7, set.finalDiv());
        assertEquals(OneCycleStyle.FASTAI2, OneCycleStyle.parse(" FastAI2 "));
        assertEquals("fastai2", OneCycleStyle.FASTAI2.id());
    }

    @Test
    void pytorchFinalLrAtLastStepIsLrMaxOverDivOver1e4() {
        for (double div : new double[] {25, 10, 3.5}) {
            for (boolean three : new boolean[] {false, true}) {
                OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.2).optDivFactor(div)
                        .optStyle(OneCycleStyle.PYTORCH).optThreePhase(three).build();
                assertEquals(1e4, p.finalDiv());
                for (int n : new int[] {2, 7, 100, 1001}) {
                    OneCycleSchedule s = p.over(n);
                    assertClose(0.2 / div / 1e4, s.lr(n - 1), () -> "pytorch lr at n-1, n " + n);
                    assertClose(0.95, s.momentum(n - 1), () -> "pytorch momentum at n-1");
                    if (0.3 * n - 1 > 0) { // otherwise step 0 is already in the last phase
                        assertClose(0.2 / div, s.lr(0), () -> "pytorch lr at 0, n " + n);
                    }
                }
                assertClose(0.2 / div / 1e4, p.finalLr(), () -> "finalLr()");
            }
        }
        // an explicit finalDiv is torch's final_div_factor: initial_lr / final_div_factor
        OneCyclePolicy explicit = OneCyclePolicy.builder().setLrMax(0.2).optFinalDiv(100)
                .optStyle(OneCycleStyle.PYTORCH).build();
        assertClose(0.2 / 25 / 100, explicit.over(10).lr(9), () -> "explicit final_div_factor");
    }

    @Test
    void policyAndSliceSurviveJavaSerialization() {
        OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.07).optDivFactor(12).optPctStart(0.4)
                .optFinalDiv(3e3).optMomentum(0.9, 0.8).optAnnealing(Annealing.LINEAR)
                .optStyle(OneCycleStyle.PYTORCH).optThreePhase(true).build();
        OneCyclePolicy back = RoundTrip.javaSerialize(p);
        assertTrue(back != p);
        assertEquals(p, back);
        assertEquals(p.hashCode(), back.hashCode());
        assertEquals(p.toString(), back.toString());
        OneCycleSchedule a = p.over(333);
        OneCycleSchedule b = back.over(333);
        for (int i = 0; i < 333; i++) {
            assertEquals(a.lr(i), b.lr(i));
            assertEquals(a.momentum(i), b.momentum(i));
        }
        CycleSlice slice = CycleSlice.builder().optTotEpochs(20).optStartEpoch(8).setEpochs(7).setItersPerEpoch(13)
                .build();
        CycleSlice sliceBack = RoundTrip.javaSerialize(slice);
        assertEquals(slice, sliceBack);
        assertEquals(slice.hashCode(), sliceBack.hashCode());
        assertEquals(slice.endIteration(), sliceBack.endIteration());
        assertEquals(p.schedule(slice).lr(150), back.schedule(sliceBack).lr(150));
    }

    @Test
    void toBuilderCopiesEveryValue() {
        OneCyclePolicy p = OneCyclePolicy.builder().setLrMax(0.07).optDivFactor(12).optPctStart(0.4)
                .optFinalDiv(3e3).optMomentum(0.9, 0.8).optAnnealing(Annealing.LINEAR)
                .optStyle(OneCycleStyle.PYTORCH).optThreePhase(true).build();
        assertEquals(p, p.toBuilder().build());
        assertFalse(p.equals(p.toBuilder().optPctStart(0.41).build()));
    }
}
