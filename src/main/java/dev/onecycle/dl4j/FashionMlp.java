package dev.onecycle.dl4j;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The training job's default model: a multi-layer perceptron ({@code inputs -> hidden (ReLU) -> classes
 * (softmax)}) with Nesterov momentum, which learns Fashion-MNIST to ~85% test accuracy in a few epochs on two
 * CPU cores. The learning rate and momentum given here are placeholders: the trainer installs the 1cycle
 * schedules.
 */
public final class FashionMlp {
    private FashionMlp() {
    }

    public static Network create(int inputs, int hidden, int classes, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.01, 0.9))
                .l2(1e-4)
                .list()
                .layer(new DenseLayer.Builder().nIn(inputs).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build();
        MultiLayerNetwork net = DataLossNetworks.multiLayer(conf);
        net.init();
        return Network.of(net);
    }
}
