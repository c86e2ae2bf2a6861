package dev.onecycle.dl4j;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a driver broadcasts to its executors so each can rebuild the network: the configuration (a
 * {@link MultiLayerConfiguration} or a {@link ComputationGraphConfiguration}), the flat parameters and the
 * updater state (null when the network has none). Java-serializable, as a Spark broadcast needs; the project's
 * own replacement of dl4j-spark's {@code NetBroadcastTuple} (dl4j-spark has no Scala 2.13 artifact).
 */
public final class NetworkBroadcast implements Serializable {
    private static final long serialVersionUID = 1L;

    private final MultiLayerConfiguration configuration;
    private final ComputationGraphConfiguration graphConfiguration;
    private final INDArray parameters;
    private final INDArray updaterState;

    private NetworkBroadcast(MultiLayerConfiguration configuration, ComputationGraphConfiguration graphConfiguration,
            INDArray parameters, INDArray updaterState) {
        if ((configuration == null) == (graphConfiguration == null)) {
            throw new IllegalArgumentException("a network broadcast needs exactly one configuration "
                    + "(MultiLayerConfiguration or ComputationGraphConfiguration)");
        }
        if (parameters == null) {
            throw new IllegalArgumentException("a network broadcast needs the network's parameters");
        }
        this.configuration = configuration;
        this.graphConfiguration = graphConfiguration;
        this.parameters = parameters;
        this.updaterState = updaterState;
    }

    public static NetworkBroadcast of(MultiLayerConfiguration configuration, INDArray parameters,
            INDArray updaterState) {
        return new NetworkBroadcast(configuration, null, parameters, updaterState);
    }

    public static NetworkBroadcast of(ComputationGraphConfiguration configuration, INDArray parameters,
            INDArray updaterState) {
        return new NetworkBroadcast(null, configuration, parameters, updaterState);
    }

    /** The multi-layer configuration, or null for a graph. */
    public MultiLayerConfiguration getConfiguration() {
        return configuration;
    }

    /** The graph configuration, or null for a multi-layer network. */
    public ComputationGraphConfiguration getGraphConfiguration() {
        return graphConfiguration;
    }

    public INDArray getParameters() {
        return parameters;
    }

    /** The updater state, or null when the network has none. */
    public INDArray getUpdaterState() {
        return updaterState;
    }
}
