package dev.onecycle.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;
import dev.onecycle.schedule.OneCycleStyle;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * A cycle trained in pieces, saved and restored in between, is the same training as one uninterrupted run:
 * the same learning rate and momentum at every step (the policy's) and bitwise the same parameters.
 */
class PartialOneCycleFitTest {
    private static final int IPE = Fixtures.ITERS_PER_EPOCH;
    private static final OneCyclePolicy FASTAI = OneCyclePolicy.builder().setLrMax(0.2).build();
    private static final OneCyclePolicy TORCH = FASTAI.toBuilder().optStyle(OneCycleStyle.PYTORCH).build();
    private static final OneCyclePolicy FASTAI2 = OneCyclePolicy.builder().setLrMax(0.2)
            .optStyle(OneCycleStyle.FASTAI2).build();

    @TempDir
    Path dir;

    /** A freshly initialised network; its configured updater is deliberately not a 1cycle one. */
    private static Network freshMln() {
        MultiLayerNetwork net = new MultiLayerNetwork(Fixtures.mlnConf(new Nesterovs(0.5, 0.5)));
        net.init();
        return Network.of(net);
    }

    private static Network freshGraph() {
        ComputationGraph net = new ComputationGraph(Fixtures.graphConf(new Nesterovs(0.5, 0.5)));
        net.init();
        return Network.of(net);
    }

    private record Training(List<AppliedStep> steps, float[] params, float[] updaterState, int iteration,
            int epoch) {
    }

    private static Training finish(Network net, List<AppliedStep> steps) {
        return new Training(steps, Fixtures.floats(net.params()), Fixtures.floats(net.updaterState()),
                net.iterationCount(), net.epochCount());
    }

    /** 0 -> tot in one run. */
    private Training uninterrupted(OneCyclePolicy policy, int tot, boolean graph) {
        Network net = graph ? freshGraph() : freshMln();
        AppliedScheduleRecorder rec = new AppliedScheduleRecorder();
        net.addListener(rec);
        new PartialOneCycleFit(policy, CycleSlice.full(tot, IPE)).fit(net, Fixtures.iterator());
        return finish(net, new ArrayList<>(rec.steps()));
    }

    /** 0 -> cuts[0] -> cuts[1] ... -> tot, saving and restoring the network at each cut. */
    private Training resumed(OneCyclePolicy policy, int tot, boolean graph, int... cuts) throws Exception {
        Network net = graph ? freshGraph() : freshMln();
        List<AppliedStep> steps = new ArrayList<>();
        int start = 0;
        int part = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int end = k < cuts.length ? cuts[k] : tot;
            AppliedScheduleRecorder rec = new AppliedScheduleRecorder();
            net.addListener(rec);
            CycleSlice slice = CycleSlice.builder().optTotEpochs(tot).optStartEpoch(start).setEpochs(end - start)
                    .setItersPerEpoch(IPE).build();
            new PartialOneCycleFit(policy, slice).fit(net, Fixtures.iterator());
            steps.addAll(rec.steps());
            assertEquals(end * IPE, net.iterationCount());
            assertEquals(end, net.epochCount());
            if (end < tot) {
                File file = dir.resolve("part-" + (part++) + ".zip").toFile();
                net.save(file);
                net = Network.restore(file);
                assertEquals(graph, net.isGraph());
                assertEquals(end * IPE, net.iterationCount(), "the saved model keeps its iteration count");
                assertEquals(end, net.epochCount());
            }
            start = end;
        }
        return finish(net, steps);
    }

    private static void assertSameTraining(OneCyclePolicy policy, int tot, Training expected, Training actual) {
        OneCycleSchedule s = policy.schedule(CycleSlice.full(tot, IPE));
        assertEquals(tot * IPE, expected.steps().size(), "one recorded step per minibatch");
        assertEquals(expected.steps().size(), actual.steps().size());
        for (int i = 0; i < expected.steps().size(); i++) {
            AppliedStep e = expected.steps().get(i);
            AppliedStep a = actual.steps().get(i);
            assertEquals(i, e.iteration(), "uninterrupted run, iteration");
            assertEquals(i, a.iteration(), "resumed run, iteration");
            assertEquals(i / IPE, a.epoch(), "epoch of step " + i);
            assertEquals(e.epoch(), a.epoch());
            assertEquals(s.lr(i), e.lr(), "uninterrupted lr at " + i);
            assertEquals(s.momentum(i), e.momentum(), "uninterrupted momentum at " + i);
            assertEquals(s.lr(i), a.lr(), "resumed lr at " + i);
            assertEquals(s.momentum(i), a.momentum(), "resumed momentum at " + i);
            assertEquals(e.score(), a.score(), "score at step " + i);
        }
        assertArrayEquals(expected.params(), actual.params(), "final parameters");
        assertArrayEquals(expected.updaterState(), actual.updaterState(), "final momentum velocity");
        assertEquals(tot * IPE, actual.iteration());
        assertEquals(tot, actual.epoch());
    }

    static Stream<Arguments> resumes() {
        return Stream.of(Arguments.of("20-epoch cycle, 0->8 then 8->20 (12 epochs)", FASTAI, 20, new int[] {8}),
                Arguments.of("15-epoch cycle, 0->8 then 8->15 (7 epochs)", FASTAI, 15, new int[] {8}),
                Arguments.of("20-epoch cycle, 0->8->15->20", FASTAI, 20, new int[] {8, 15}),
                Arguments.of("pytorch style, 15-epoch cycle, 0->8->15", TORCH, 15, new int[] {8}),
                Arguments.of("fastai2 style, 7-epoch cycle, 0->2->3->7", FASTAI2, 7, new int[] {2, 3}),
                Arguments.of("6-epoch cycle cut after every epoch", FASTAI, 6, new int[] {1, 2, 3, 4, 5}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resumes")
    void resumedFitMatchesUninterruptedFit(String name, OneCyclePolicy policy, int tot, int[] cuts)
            throws Exception {
        Training whole = uninterrupted(policy, tot, false);
        Training pieces = resumed(policy, tot, false, cuts);
        assertSameTraining(policy, tot, whole, pieces);
    }

    @Test
    void resumedComputationGraphFitMatchesUninterruptedFit() throws Exception {
        Training whole = uninterrupted(FASTAI, 15, true);
        Training pieces = resumed(FASTAI, 15, true, 8);
        assertSameTraining(FASTAI, 15, whole, pieces);
    }

    /** The plain full cycle: PartialOneCycleFit over CycleSlice.full is DL4J's own fit with the 1cycle updater. */
    @Test
    void fullCycleFitMatchesPlainDl4jFitWithOneCycleUpdater() {
        int tot = 6;
        CycleSlice full = CycleSlice.full(tot, IPE);
        Training ours = uninterrupted(FASTAI, tot, false);

        MultiLayerNetwork plain = new MultiLayerNetwork(Fixtures.mlnConf(OneCycleUpdaters.nesterovs(FASTAI, full)));
        plain.init();
        AppliedScheduleRecorder rec = new AppliedScheduleRecorder();
        plain.addListeners(rec);
        for (int e = 0; e < tot; e++) {
            plain.fit(Fixtures.iterator());
        }
        Training reference = finish(Network.of(plain), new ArrayList<>(rec.steps()));
        assertSameTraining(FASTAI, tot, reference, ours);
    }

    @Test
    void sliceOnAFreshNetworkStartsAtItsFirstStepOfTheCycle() {
        Network net = freshMln();
        AppliedScheduleRecorder rec = new AppliedScheduleRecorder();
        net.addListener(rec);
        new PartialOneCycleFit(TORCH, CycleSlice.rest(15, 8, IPE)).fit(net, Fixtures.iterator());
        OneCycleSchedule s = TORCH.over(15 * IPE);
        assertEquals(7 * IPE, rec.steps().size());
        for (int k = 0; k < rec.steps().size(); k++) {
            AppliedStep step = rec.steps().get(k);
            assertEquals(8 * IPE + k, step.iteration());
            assertEquals(8 + k / IPE, step.epoch());
            assertEquals(s.lr(step.iteration()), step.lr());
            assertEquals(s.momentum(step.iteration()), step.momentum());
        }
        assertEquals(15 * IPE, net.iterationCount());
        assertEquals(15, net.epochCount());
    }

    @Test
    void schedulesReallyChangeTheTraining() {
        // guards the comparisons above: another policy gives other parameters
        Training a = uninterrupted(FASTAI, 3, false);
        Training b = uninterrupted(FASTAI.toBuilder().setLrMax(0.21).build(), 3, false);
        assertFalse(java.util.Arrays.equals(a.params(), b.params()));
        assertTrue(a.steps().get(1).lr() != b.steps().get(1).lr());
    }

    @Test
    void tooManyMinibatchesPerEpochIsRefused() {
        Network net = freshMln();
        // 40 examples in minibatches of 7: 6 minibatches, the cycle was planned with 5
        PartialOneCycleFit fit = new PartialOneCycleFit(FASTAI, CycleSlice.full(3, IPE));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> fit.fit(net, Fixtures.iterator(7)));
        assertTrue(e.getMessage().contains("itersPerEpoch"), e.getMessage());
        assertTrue(net.iterationCount() <= IPE, "stopped within the first epoch");
    }

    @Test
    void tooFewMinibatchesPerEpochIsRefused() {
        Network net = freshMln();
        // 40 examples in minibatches of 10: 4 minibatches, the cycle was planned with 5
        PartialOneCycleFit fit = new PartialOneCycleFit(FASTAI, CycleSlice.full(3, IPE));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> fit.fit(net, Fixtures.iterator(10)));
        assertTrue(e.getMessage().contains("itersPerEpoch"), e.getMessage());
        assertTrue(e.getMessage().contains("4"), e.getMessage());
        assertEquals(4, net.iterationCount(), "stopped after the first epoch");
    }

    @Test
    void policyWithoutScheduleForTheCycleIsRefusedBeforeTraining() {
        // pytorch style, pctStart * n - 1 == 0: PyTorch divides by zero
        OneCyclePolicy bad = TORCH.toBuilder().optPctStart(0.2).build();
        assertThrows(dev.onecycle.schedule.InvalidParameterException.class,
                () -> new PartialOneCycleFit(bad, CycleSlice.full(1, IPE)));
    }
}
