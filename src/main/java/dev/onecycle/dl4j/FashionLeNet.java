package dev.onecycle.dl4j;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small convolutional network in the shape of LeNet-5, for 28x28 single-channel images given as flat rows of
 * 784 features (Fashion-MNIST): conv 5x5x6 (same padding), ReLU, max-pool 2x2, conv 5x5x16 (no padding), ReLU,
 * max-pool 2x2, dense 120 ReLU, dense 84 ReLU, softmax over the classes; ~62k parameters. Nesterov momentum and L2
 * 1e-4 as {@link FashionMlp}; the learning rate and momentum here are placeholders the trainer replaces with the
 * 1cycle schedules. The same architecture is what the PyTorch peer benchmark builds (python/bench).
 */
public final class FashionLeNet {
    /** The image side this network expects: 28 (so 784 features). */
    public static final int SIDE = 28;

    private FashionLeNet() {
    }

    /** Refuses inputs other than 28x28x1 images flattened to 784 features, naming the rule and the value. */
    public static void checkInputs(int inputs) {
        if (inputs != SIDE * SIDE) {
            throw new IllegalArgumentException("the lenet network takes 28x28 single-channel images (784 features"
                    + " per row); the data has " + inputs + " features: use --network mlp for other data");
        }
    }

    public static MultiLayerConfiguration configuration(int classes, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.01, 0.9))
                .l2(1e-4)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(6).stride(1, 1).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(120).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(84).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.convolutionalFlat(SIDE, SIDE, 1))
                .build();
    }

    /** A new, initialised LeNet for {@code inputs} (must be 784) features and {@code classes} classes. */
    public static Network create(int inputs, int classes, long seed) {
        checkInputs(inputs);
        MultiLayerNetwork net = DataLossNetworks.multiLayer(configuration(classes, seed));
        net.init();
        return Network.of(net);
    }
}
