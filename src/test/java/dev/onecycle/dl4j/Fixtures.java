package dev.onecycle.dl4j;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A small network and a small deterministic data set for the DL4J tests. */
final class Fixtures {
    static final int EXAMPLES = 40;
    static final int BATCH = 8;
    /** 40 examples in minibatches of 8: an odd number of steps per epoch. */
    static final int ITERS_PER_EPOCH = 5;

    private Fixtures() {
    }

    /** Three Gaussian clusters in 4 dimensions, labels one-hot, from a fixed {@link Random}. */
    static List<DataSet> examples() {
        Random r = new Random(1234);
        double[][] centres = {{1, 0, -1, 0.5}, {-1, 1, 0, -0.5}, {0, -1, 1, 0}};
        float[][] x = new float[EXAMPLES][4];
        float[][] y = new float[EXAMPLES][3];
        for (int i = 0; i < EXAMPLES; i++) {
            int c = r.nextInt(3);
            for (int j = 0; j < 4; j++) {
                x[i][j] = (float) (centres[c][j] + 0.6 * r.nextGaussian());
            }
            y[i][c] = 1;
        }
        return new DataSet(Nd4j.create(x), Nd4j.create(y)).asList();
    }

    /** The same minibatches in the same order every epoch. */
    static DataSetIterator iterator(int batchSize) {
        return new ListDataSetIterator<>(examples(), batchSize);
    }

    static DataSetIterator iterator() {
        return iterator(BATCH);
    }

    /** DenseLayer 4->8 relu + OutputLayer 8->3 softmax MCXENT, seed 42. */
    static MultiLayerConfiguration mlnConf(IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(42).updater(updater).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    /** The same network as a {@link org.deeplearning4j.nn.graph.ComputationGraph}. */
    static ComputationGraphConfiguration graphConf(IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(42).updater(updater).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build();
    }

    /** The values of an array, for bitwise comparison. */
    static float[] floats(INDArray a) {
        return a.dup().data().asFloat();
    }
}
