package dev.onecycle.dl4j;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The one place that knows the difference between DL4J's two network types: a {@link MultiLayerNetwork} or a
 * {@link ComputationGraph}, with the few operations the 1cycle code needs (counters, parameters, updater
 * state, fitting, saving).
 */
public abstract class Network {

    /** Wraps a {@link MultiLayerNetwork} or a {@link ComputationGraph}; anything else is refused. */
    public static Network of(Model model) {
        NativeBinary.logOnce();
        if (model instanceof MultiLayerNetwork) {
            return new Mln((MultiLayerNetwork) model);
        }
        if (model instanceof ComputationGraph) {
            return new Graph((ComputationGraph) model);
        }
        throw new IllegalArgumentException("model must be a MultiLayerNetwork or a ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /**
     * Restores a model saved by {@link #save(File)} (DL4J {@code ModelSerializer} format, with updater state),
     * whichever of the two types it is.
     */
    public static Network restore(File file) throws IOException {
        return restore(java.nio.file.Files.readAllBytes(file.toPath()), file.toString());
    }

    /**
     * Restores a model from the bytes of a {@code ModelSerializer} zip; {@code name} is used in errors. Read by
     * {@link ModelZip}: nothing in the file is ever Java-deserialized, and a zip carrying an entry DL4J would
     * deserialize is a {@link RefusedModelException} naming it.
     */
    public static Network restore(byte[] zip, String name) throws IOException {
        return ModelZip.read(zip, name);
    }

    /**
     * Builds the network a driver broadcast in a {@link NetworkBroadcast}: a fresh network from a
     * copy of the configuration, initialised with a copy of the parameters and of the updater state.
     */
    public static Network fromBroadcast(NetworkBroadcast tuple) {
        NativeBinary.logOnce();
        Network net;
        if (tuple.getGraphConfiguration() != null) {
            ComputationGraph g = DataLossNetworks.graph(tuple.getGraphConfiguration().clone());
            g.init(tuple.getParameters().dup(), false);
            net = new Graph(g);
        } else {
            MultiLayerNetwork n = DataLossNetworks.multiLayer(tuple.getConfiguration().clone());
            n.init(tuple.getParameters().dup(), false);
            net = new Mln(n);
        }
        if (tuple.getUpdaterState() != null) {
            net.setUpdaterState(tuple.getUpdaterState().dup());
        }
        return net;
    }

    /**
     * A new network of the given configuration (a {@code MultiLayerConfiguration} or a
     * {@code ComputationGraphConfiguration}, copied), initialised with a copy of {@code params}: how executors
     * rebuild the driver's network from what it broadcast once per job.
     */
    public static Network fromConfiguration(Object configuration, INDArray params) {
        NativeBinary.logOnce();
        if (configuration instanceof org.deeplearning4j.nn.conf.ComputationGraphConfiguration) {
            ComputationGraph g = DataLossNetworks.graph(
                    ((org.deeplearning4j.nn.conf.ComputationGraphConfiguration) configuration).clone());
            g.init(params.dup(), false);
            return new Graph(g);
        }
        if (configuration instanceof org.deeplearning4j.nn.conf.MultiLayerConfiguration) {
            MultiLayerNetwork n = DataLossNetworks.multiLayer(
                    ((org.deeplearning4j.nn.conf.MultiLayerConfiguration) configuration).clone());
            n.init(params.dup(), false);
            return new Mln(n);
        }
        throw new IllegalArgumentException("not a DL4J network configuration: "
                + (configuration == null ? "null" : configuration.getClass().getName()));
    }

    /** The network's configuration object (what {@link #fromConfiguration} takes). */
    public Object configuration() {
        NetworkBroadcast t = toBroadcast();
        return t.getGraphConfiguration() != null ? t.getGraphConfiguration() : t.getConfiguration();
    }

    /** An independent copy: configuration (with counters), parameters and updater state. */
    public Network copy() {
        return fromBroadcast(toBroadcast());
    }

    /** The state a driver broadcasts to its workers: configuration, parameters and updater state. */
    public abstract NetworkBroadcast toBroadcast();

    /** Classification accuracy and other metrics on {@code data}. */
    public abstract Evaluation evaluate(DataSetIterator data);

    /** The score (loss) of the network on one minibatch, without training. */
    public abstract double score(org.nd4j.linalg.dataset.DataSet data);

    /** The wrapped DL4J model. */
    public abstract Model model();

    /** True for a {@link ComputationGraph}. */
    public abstract boolean isGraph();

    /** The network's configuration as JSON (includes the iteration and epoch counts and the schedules). */
    public abstract String configurationJson();

    public abstract int iterationCount();

    public abstract void setIterationCount(int iteration);

    public abstract int epochCount();

    public abstract void setEpochCount(int epoch);

    /** One minibatch step (increments the iteration count, not the epoch count). */
    public abstract void fit(DataSet minibatch);

    /** One pass over {@code data} (increments the epoch count once). */
    public abstract void fit(DataSetIterator data);

    public abstract void addListener(TrainingListener listener);

    public abstract void removeListeners();

    abstract Layer[] layers();

    abstract BaseMultiLayerUpdater<?> updater();

    /** The flattened parameters (a view: changes to it change the network). */
    public INDArray params() {
        return model().params();
    }

    public void setParams(INDArray params) {
        model().setParams(params);
    }

    /** The flattened updater state (momentum velocity, Adam moments...), a view; null if it has none. */
    public INDArray updaterState() {
        return updater().getStateViewArray();
    }

    public void setUpdaterState(INDArray state) {
        if (state != null) {
            updater().setStateViewArray(state);
        }
    }

    /**
     * The updater configurations that really apply updates: the {@code IUpdater} of each of the network's
     * updater blocks, as held by its gradient updater.
     */
    public List<IUpdater> appliedUpdaters() {
        List<IUpdater> out = new ArrayList<>();
        for (UpdaterBlock b : updater().getUpdaterBlocks()) {
            if (b.getGradientUpdater() != null) {
                out.add(b.getGradientUpdater().getConfig());
            }
        }
        return out;
    }

    /** Every layer's updater configurations (weights and, where separate, biases), for in-place changes. */
    List<IUpdater> configuredUpdaters() {
        List<IUpdater> out = new ArrayList<>();
        for (Layer l : layers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.BaseLayer) {
                org.deeplearning4j.nn.conf.layers.BaseLayer bl = (org.deeplearning4j.nn.conf.layers.BaseLayer) conf;
                if (bl.getIUpdater() != null) {
                    out.add(bl.getIUpdater());
                }
                if (bl.getBiasUpdater() != null) {
                    out.add(bl.getBiasUpdater());
                }
            }
        }
        return out;
    }

    /** Saves parameters, updater state and configuration (with counters) in DL4J's zip format. */
    public void save(File file) throws IOException {
        try (java.io.OutputStream out = new java.io.BufferedOutputStream(new java.io.FileOutputStream(file), 1 << 16)) {
            save(out);
        }
    }

    /**
     * Writes the model zip (what {@link #save(File)} writes to a file) — the entries {@code ModelSerializer} writes and reads
     * ({@code configuration.json}, {@code coefficients.bin}, {@code updaterState.bin}) — to a stream (left open),
     * compressed at {@code Deflater.BEST_SPEED}: float weights barely compress, and DL4J's default level made
     * the compression most of a checkpoint's cost. {@code ModelSerializer.restore*} reads it as usual.
     */
    public void save(java.io.OutputStream out) throws IOException {
        java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        });
        zip.setLevel(java.util.zip.Deflater.BEST_SPEED);
        zip.putNextEntry(new java.util.zip.ZipEntry(ModelSerializer.CONFIGURATION_JSON));
        zip.write(configurationJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        zip.closeEntry();
        java.io.DataOutputStream data = new java.io.DataOutputStream(new java.io.BufferedOutputStream(zip, 1 << 16));
        zip.putNextEntry(new java.util.zip.ZipEntry(ModelSerializer.COEFFICIENTS_BIN));
        org.nd4j.linalg.factory.Nd4j.write(params(), data);
        data.flush();
        zip.closeEntry();
        INDArray state = updaterState();
        if (state != null && state.length() > 0) {
            zip.putNextEntry(new java.util.zip.ZipEntry(ModelSerializer.UPDATER_BIN));
            org.nd4j.linalg.factory.Nd4j.write(state, data);
            data.flush();
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }

    /**
     * SHA-256 (hex) of the flattened parameters as little-endian IEEE-754 float32 values in 'c' order: the same
     * bytes as numpy's {@code params.astype('<f4').tobytes()}. Equal hashes mean bitwise equal parameters.
     */
    public String paramsSha256() {
        float[] values = params().dup('c').data().asFloat();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(buf.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static final class Mln extends Network {
        private final MultiLayerNetwork net;

        Mln(MultiLayerNetwork net) {
            this.net = net;
        }

        @Override
        public Model model() {
            return net;
        }

        @Override
        public boolean isGraph() {
            return false;
        }

        @Override
        public String configurationJson() {
            return net.getLayerWiseConfigurations().toJson();
        }

        @Override
        public int iterationCount() {
            return net.getLayerWiseConfigurations().getIterationCount();
        }

        @Override
        public void setIterationCount(int iteration) {
            net.getLayerWiseConfigurations().setIterationCount(iteration);
        }

        @Override
        public int epochCount() {
            return net.getLayerWiseConfigurations().getEpochCount();
        }

        @Override
        public void setEpochCount(int epoch) {
            net.getLayerWiseConfigurations().setEpochCount(epoch);
        }

        @Override
        public void fit(DataSet minibatch) {
            net.fit(minibatch);
        }

        @Override
        public void fit(DataSetIterator data) {
            net.fit(data);
        }

        @Override
        public void addListener(TrainingListener listener) {
            net.addListeners(listener);
        }

        @Override
        public void removeListeners() {
            net.setListeners(new TrainingListener[0]);
        }

        @Override
        Layer[] layers() {
            return net.getLayers();
        }

        @Override
        BaseMultiLayerUpdater<?> updater() {
            return (BaseMultiLayerUpdater<?>) net.getUpdater(true);
        }

        @Override
        public NetworkBroadcast toBroadcast() {
            return NetworkBroadcast.of(net.getLayerWiseConfigurations(), net.params(), updaterState());
        }

        @Override
        public Evaluation evaluate(DataSetIterator data) {
            return net.evaluate(data);
        }

        @Override
        public double score(org.nd4j.linalg.dataset.DataSet data) {
            return net.score(data);
        }
    }

    private static final class Graph extends Network {
        private final ComputationGraph net;

        Graph(ComputationGraph net) {
            this.net = net;
        }

        @Override
        public Model model() {
            return net;
        }

        @Override
        public boolean isGraph() {
            return true;
        }

        @Override
        public String configurationJson() {
            return net.getConfiguration().toJson();
        }

        @Override
        public int iterationCount() {
            return net.getConfiguration().getIterationCount();
        }

        @Override
        public void setIterationCount(int iteration) {
            net.getConfiguration().setIterationCount(iteration);
        }

        @Override
        public int epochCount() {
            return net.getConfiguration().getEpochCount();
        }

        @Override
        public void setEpochCount(int epoch) {
            net.getConfiguration().setEpochCount(epoch);
        }

        @Override
        public void fit(DataSet minibatch) {
            net.fit(minibatch);
        }

        @Override
        public void fit(DataSetIterator data) {
            net.fit(data);
        }

        @Override
        public void addListener(TrainingListener listener) {
            net.addListeners(listener);
        }

        @Override
        public void removeListeners() {
            net.setListeners(new TrainingListener[0]);
        }

        @Override
        Layer[] layers() {
            return net.getLayers();
        }

        @Override
        BaseMultiLayerUpdater<?> updater() {
            return net.getUpdater(true);
        }

        @Override
        public NetworkBroadcast toBroadcast() {
            return NetworkBroadcast.of(net.getConfiguration(), net.params(), updaterState());
        }

        @Override
        public Evaluation evaluate(DataSetIterator data) {
            return net.evaluate(data);
        }

        @Override
        public double score(org.nd4j.linalg.dataset.DataSet data) {
            return net.score(data);
        }
    }
}
