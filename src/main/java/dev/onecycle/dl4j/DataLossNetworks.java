package dev.onecycle.dl4j;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * How the project builds every DL4J network: as a network whose <b>score is the data loss only</b> (the mean
 * loss of the minibatch, e.g. cross-entropy), without the L1/L2 penalty DL4J adds to it. Training is unchanged,
 * bitwise: DL4J applies a layer's regularization to the gradient in its updater ({@code Regularization.apply}),
 * not through the score; the penalty only went into the reported number, and computing it cost a norm over every
 * weight at every step (issue 26: 9% of an MLP step's CPU, {@code Norm2} in libnd4j). The reported training loss
 * is therefore what PyTorch reports (its {@code weight_decay} never enters the loss), comparable across
 * regularization settings. Every place that makes a network (built-in models, model files, executors'
 * copies, Params specs) goes through here.
 */
public final class DataLossNetworks {
    private DataLossNetworks() {
    }

    /** A new (uninitialised) multi-layer network of {@code conf} whose score is the data loss only. */
    public static MultiLayerNetwork multiLayer(MultiLayerConfiguration conf) {
        return new DataLossMultiLayerNetwork(conf);
    }

    /** A new (uninitialised) graph of {@code conf} whose score is the data loss only. */
    public static ComputationGraph graph(ComputationGraphConfiguration conf) {
        return new DataLossComputationGraph(conf);
    }

    private static final class DataLossMultiLayerNetwork extends MultiLayerNetwork {
        private static final long serialVersionUID = 1L;

        DataLossMultiLayerNetwork(MultiLayerConfiguration conf) {
            super(conf);
        }

        /** No penalty in the score (see the class comment); the gradient's regularization is untouched. */
        @Override
        public double calcRegularizationScore(boolean backpropParamsOnly) {
            return 0.0;
        }
    }

    private static final class DataLossComputationGraph extends ComputationGraph {
        private static final long serialVersionUID = 1L;

        DataLossComputationGraph(ComputationGraphConfiguration conf) {
            super(conf);
        }

        @Override
        public double calcRegularizationScore(boolean backpropParamsOnly) {
            return 0.0;
        }
    }
}
