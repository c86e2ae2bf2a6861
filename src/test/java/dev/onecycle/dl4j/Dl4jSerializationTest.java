package dev.onecycle.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.RoundTrip;
import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;
import dev.onecycle.schedule.OneCycleStyle;
import java.io.File;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ISchedule;

/** The 1cycle schedules survive DL4J's JSON configuration, ModelSerializer and Java serialisation. */
class Dl4jSerializationTest {
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.05).optDivFactor(20)
            .optPctStart(0.35).optMomentum(0.93, 0.8).build();
    private static final OneCyclePolicy TORCH = POLICY.toBuilder().optStyle(OneCycleStyle.PYTORCH)
            .optThreePhase(true).optAnnealing(Annealing.LINEAR).optFinalDiv(300).build();
    private static final OneCyclePolicy FASTAI2 = OneCyclePolicy.builder().setLrMax(0.05)
            .optStyle(OneCycleStyle.FASTAI2).build();
    private static final CycleSlice SLICE = CycleSlice.full(6, Fixtures.ITERS_PER_EPOCH);

    @TempDir
    Path dir;

    /** Asserts that {@code updater} is a Nesterovs whose schedules give the policy's values at every step. */
    private static void assertOneCycle(OneCyclePolicy policy, CycleSlice slice, IUpdater updater) {
        Nesterovs n = assertInstanceOf(Nesterovs.class, updater);
        OneCycleLearningRate lr = assertInstanceOf(OneCycleLearningRate.class, n.getLearningRateSchedule());
        OneCycleMomentum mom = assertInstanceOf(OneCycleMomentum.class, n.getMomentumISchedule());
        assertEquals(policy, lr.policy());
        assertEquals(policy, mom.policy());
        assertEquals(CycleSlice.full(slice.totEpochs(), slice.itersPerEpoch()), lr.slice());
        OneCycleSchedule s = policy.schedule(slice);
        for (int i = 0; i < s.totalIterations(); i++) {
            int epoch = i / slice.itersPerEpoch();
            assertEquals(s.lr(i), lr.valueAt(i, epoch), "lr at " + i);
            assertEquals(s.momentum(i), mom.valueAt(i, epoch), "momentum at " + i);
            assertEquals(s.lr(i), n.getLearningRate(i, epoch));
            assertEquals(s.momentum(i), n.currentMomentum(i, epoch));
        }
    }

    private static IUpdater updaterOf(org.deeplearning4j.nn.conf.layers.Layer layer) {
        return ((BaseLayer) layer).getIUpdater();
    }

    @Test
    void adaptersSurviveJavaSerialization() {
        for (OneCyclePolicy p : new OneCyclePolicy[] {POLICY, TORCH, FASTAI2}) {
            OneCycleLearningRate lr = new OneCycleLearningRate(p, SLICE);
            OneCycleMomentum mom = new OneCycleMomentum(p, SLICE);
            OneCycleLearningRate lrBack = RoundTrip.javaSerialize(lr);
            OneCycleMomentum momBack = RoundTrip.javaSerialize(mom);
            assertNotSame(lr, lrBack);
            assertEquals(lr, lrBack);
            assertEquals(mom, momBack);
            assertEquals(lr.hashCode(), lrBack.hashCode());
            assertTrue(!lr.equals(mom), "lr and momentum schedules of one policy are different schedules");
            for (int i = 0; i < SLICE.totalIterations(); i++) {
                assertEquals(lr.valueAt(i, 0), lrBack.valueAt(i, 0));
                assertEquals(mom.valueAt(i, 0), momBack.valueAt(i, 0));
                assertEquals(p.schedule(SLICE).lr(i), lrBack.valueAt(i, 7));
            }
            assertThrows(IllegalArgumentException.class, () -> lrBack.valueAt((int) SLICE.totalIterations(), 0));
            assertThrows(IllegalArgumentException.class, () -> momBack.valueAt(-1, 0));
            Nesterovs n = RoundTrip.javaSerialize(OneCycleUpdaters.nesterovs(p, SLICE));
            assertOneCycle(p, SLICE, n);
        }
    }

    @Test
    void adaptersOfTwoSlicesOfOneCycleGiveTheFullCycleValues() {
        CycleSlice first = CycleSlice.builder().optTotEpochs(20).setEpochs(8).setItersPerEpoch(7).build();
        CycleSlice rest = CycleSlice.rest(20, 8, 7);
        ISchedule a = new OneCycleLearningRate(POLICY, first);
        ISchedule b = new OneCycleLearningRate(POLICY, rest);
        ISchedule full = new OneCycleLearningRate(POLICY, CycleSlice.full(20, 7));
        for (int i = 0; i < 140; i++) {
            ISchedule part = i < 56 ? a : b;
            assertEquals(full.valueAt(i, i / 7), part.valueAt(i, i / 7), "step " + i);
        }
        assertEquals(full, a, "a slice's schedule is the whole cycle's schedule");
    }

    @Test
    void multiLayerConfigurationJsonKeepsTheSchedules() {
        for (OneCyclePolicy p : new OneCyclePolicy[] {POLICY, TORCH, FASTAI2}) {
            MultiLayerConfiguration conf = Fixtures.mlnConf(OneCycleUpdaters.nesterovs(p, SLICE));
            String json = conf.toJson();
            assertTrue(json.contains(OneCycleLearningRate.class.getName()), "the JSON names the schedule class");
            MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
            assertEquals(conf, back);
            assertEquals(json, back.toJson());
            for (int l = 0; l < 2; l++) {
                assertOneCycle(p, SLICE, updaterOf(back.getConf(l).getLayer()));
            }
        }
    }

    @Test
    void computationGraphConfigurationJsonKeepsTheSchedules() {
        for (OneCyclePolicy p : new OneCyclePolicy[] {POLICY, TORCH, FASTAI2}) {
            ComputationGraphConfiguration conf = Fixtures.graphConf(OneCycleUpdaters.nesterovs(p, SLICE));
            ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
            assertEquals(conf, back);
            for (String layer : new String[] {"dense", "out"}) {
                LayerVertex v = assertInstanceOf(LayerVertex.class, back.getVertices().get(layer));
                assertOneCycle(p, SLICE, updaterOf(v.getLayerConf().getLayer()));
            }
        }
    }

    @Test
    void modelSerializerKeepsScheduleIterationCountAndUpdaterState() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(Fixtures.mlnConf(OneCycleUpdaters.nesterovs(TORCH, SLICE)));
        net.init();
        net.fit(Fixtures.iterator());
        net.fit(Fixtures.iterator().next());
        net.fit(Fixtures.iterator().next());
        assertEquals(Fixtures.ITERS_PER_EPOCH + 2, net.getIterationCount());
        assertEquals(1, net.getEpochCount());
        File file = dir.resolve("mln.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.getIterationCount(), back.getIterationCount());
        assertEquals(net.getEpochCount(), back.getEpochCount());
        assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
        assertArrayEquals(Fixtures.floats(net.params()), Fixtures.floats(back.params()));
        assertArrayEquals(Fixtures.floats(net.getUpdater().getStateViewArray()),
                Fixtures.floats(back.getUpdater().getStateViewArray()));
        for (int l = 0; l < 2; l++) {
            assertOneCycle(TORCH, SLICE, updaterOf(back.getLayer(l).conf().getLayer()));
        }
        Network restored = Network.of(back);
        assertTrue(!restored.appliedUpdaters().isEmpty(), "the restored network has gradient updaters");
        for (IUpdater u : restored.appliedUpdaters()) {
            assertOneCycle(TORCH, SLICE, u);
        }
    }

    @Test
    void modelSerializerKeepsScheduleOfAComputationGraph() throws Exception {
        ComputationGraph net = new ComputationGraph(Fixtures.graphConf(OneCycleUpdaters.nesterovs(POLICY, SLICE)));
        net.init();
        net.fit(Fixtures.iterator());
        File file = dir.resolve("graph.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(Fixtures.ITERS_PER_EPOCH, back.getIterationCount());
        assertEquals(1, back.getEpochCount());
        assertEquals(net.getConfiguration(), back.getConfiguration());
        assertArrayEquals(Fixtures.floats(net.params()), Fixtures.floats(back.params()));
        for (IUpdater u : Network.of(back).appliedUpdaters()) {
            assertOneCycle(POLICY, SLICE, u);
        }
        // Network.restore recognises the graph
        Network viaNetwork = Network.restore(file);
        assertTrue(viaNetwork.isGraph());
        assertEquals(Fixtures.ITERS_PER_EPOCH, viaNetwork.iterationCount());
    }
}
