package dev.onecycle.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The project's networks report the data loss only, and train bitwise as DL4J's own networks do. */
class DataLossNetworksTest {
    private static final double L2 = 1e-2;

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Nesterovs(0.1, 0.9)).l2(L2)
                .weightInit(WeightInit.XAVIER);
    }

    private static MultiLayerConfiguration mln() {
        return base().list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    private static ComputationGraphConfiguration graph() {
        return base().graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build();
    }

    private static DataSet batch(int i) {
        Nd4j.getRandom().setSeed(100 + i);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 3);
        for (int r = 0; r < 16; r++) {
            y.putScalar(r, (r + i) % 3, 1f);
        }
        return new DataSet(x, y);
    }

    /** 0.5 * l2 * |W|^2 over the weight matrices (DL4J's L2 leaves biases alone). */
    private static double penalty(INDArray... weights) {
        double s = 0;
        for (INDArray w : weights) {
            double n = w.norm2Number().doubleValue();
            s += n * n;
        }
        return 0.5 * L2 * s;
    }

    @Test
    void multiLayerScoreIsTheDataLossAndTrainingIsBitwiseDl4js() {
        MultiLayerNetwork plain = new MultiLayerNetwork(mln());
        plain.init();
        MultiLayerNetwork ours = DataLossNetworks.multiLayer(mln());
        ours.init();
        assertArrayEquals(Fixtures.floats(plain.params()), Fixtures.floats(ours.params()));
        for (int i = 0; i < 5; i++) {
            double penaltyBefore = penalty(plain.getParam("0_W"), plain.getParam("1_W"));
            plain.fit(batch(i));
            ours.fit(batch(i));
            assertTrue(penaltyBefore > 1e-4, "the test's L2 penalty must be visible in DL4J's score");
            assertEquals(plain.score() - penaltyBefore, ours.score(), 1e-6, "step " + i);
            assertArrayEquals(Fixtures.floats(plain.params()), Fixtures.floats(ours.params()), "parameters after step " + i);
            assertArrayEquals(Fixtures.floats(plain.getUpdater().getStateViewArray()),
                    Fixtures.floats(ours.getUpdater().getStateViewArray()), "updater state after step " + i);
        }
        assertEquals(plain.score(batch(9)) - penalty(plain.getParam("0_W"), plain.getParam("1_W")),
                ours.score(batch(9)), 1e-6);
    }

    @Test
    void graphScoreIsTheDataLossAndTrainingIsBitwiseDl4js() {
        ComputationGraph plain = new ComputationGraph(graph());
        plain.init();
        ComputationGraph ours = DataLossNetworks.graph(graph());
        ours.init();
        for (int i = 0; i < 5; i++) {
            double penaltyBefore = penalty(plain.getParam("dense_W"), plain.getParam("out_W"));
            plain.fit(batch(i));
            ours.fit(batch(i));
            assertEquals(plain.score() - penaltyBefore, ours.score(), 1e-6, "step " + i);
            assertArrayEquals(Fixtures.floats(plain.params()), Fixtures.floats(ours.params()), "parameters after step " + i);
        }
    }

    @Test
    void builtInNetworksAndModelFilesReportTheDataLoss() throws Exception {
        Network mlp = FashionMlp.create(4, 8, 3, 1);
        assertEquals(0.0, ((MultiLayerNetwork) mlp.model()).calcRegularizationScore(true));
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("dataloss");
        try {
            java.io.File zip = dir.resolve("model.zip").toFile();
            mlp.save(zip);
            Network back = Network.restore(zip);
            assertEquals(0.0, ((MultiLayerNetwork) back.model()).calcRegularizationScore(true));
        } finally {
            org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile());
        }
    }
}
