package dev.onecycle.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onecycle.dl4j.DataLossNetworks;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.InvalidParameterException;
import java.io.IOException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The {@code network} Param's value other than a built-in network's id ({@code mlp}, {@code lenet}): a DL4J
 * MultiLayerConfiguration or ComputationGraphConfiguration as JSON. Read (and so checked) when the Param is set,
 * built at fit.
 */
final class NetworkSpecs {
    private NetworkSpecs() {
    }

    /** Refuses a value that is neither {@code mlp}, {@code lenet} nor a DL4J configuration JSON with layers, saying why. */
    static void check(String spec) {
        if (!OneCycleClassifier.MLP.equals(spec) && !OneCycleClassifier.LENET.equals(spec)) {
            configuration(spec);
        }
    }

    /** The configuration {@code spec} describes: a {@link MultiLayerConfiguration} or {@link ComputationGraphConfiguration}. */
    static Object configuration(String spec) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(spec);
        } catch (IOException e) {
            throw refused("not JSON: " + firstLine(e), spec);
        }
        if (json == null || !json.isObject()) {
            throw refused("not a JSON object", spec);
        }
        try {
            if (json.has("vertices")) {
                ComputationGraphConfiguration g = ComputationGraphConfiguration.fromJson(spec);
                if (g.getVertices() == null || g.getVertices().isEmpty()) {
                    throw refused("a ComputationGraphConfiguration without vertices", spec);
                }
                return g;
            }
            MultiLayerConfiguration m = MultiLayerConfiguration.fromJson(spec);
            if (m.getConfs() == null || m.getConfs().isEmpty()) {
                throw refused("no layers (neither a MultiLayerConfiguration's confs nor a graph's vertices)", spec);
            }
            return m;
        } catch (InvalidParameterException e) {
            throw e;
        } catch (RuntimeException e) {
            throw refused(firstLine(e), spec);
        }
    }

    /** A new, initialised network of {@code spec} (not {@code mlp}). */
    static Network build(String spec) {
        Object conf = configuration(spec);
        try {
            if (conf instanceof ComputationGraphConfiguration) {
                ComputationGraph g = DataLossNetworks.graph((ComputationGraphConfiguration) conf);
                g.init();
                return Network.of(g);
            }
            MultiLayerNetwork n = DataLossNetworks.multiLayer((MultiLayerConfiguration) conf);
            n.init();
            return Network.of(n);
        } catch (RuntimeException e) {
            throw refused(firstLine(e), spec);
        }
    }

    private static InvalidParameterException refused(String why, String spec) {
        return new InvalidParameterException("network", "must be 'mlp', 'lenet' or a DL4J MultiLayerConfiguration / "
                + "ComputationGraphConfiguration JSON (" + why + ")", abbreviate(spec));
    }

    private static String firstLine(Throwable e) {
        return String.valueOf(e.getMessage()).split("\\R", 2)[0].strip();
    }

    static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() <= 60 ? one : one.substring(0, 57) + "...";
    }
}
