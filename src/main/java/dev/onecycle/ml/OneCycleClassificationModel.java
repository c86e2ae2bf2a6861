package dev.onecycle.ml;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onecycle.dl4j.Network;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import dev.onecycle.dl4j.NetworkBroadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J network trained by {@link OneCycleClassifier}. {@link #transform} predicts on the executors in
 * minibatches, the network broadcast once per call: {@code rawPredictionCol} is the network's output (softmax),
 * {@code probabilityCol} the same normalised, {@code predictionCol} the most probable class (scaled by
 * {@code thresholds} when set, as in MLlib). {@link #network()} is the DL4J model (with its updater state, so a
 * later part of the cycle can continue from it); {@link #summary()} what the fit recorded.
 */
public final class OneCycleClassificationModel
        extends ProbabilisticClassificationModel<Vector, OneCycleClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** Rows per forward pass in {@link #transform}. */
    static final int PREDICT_BATCH = 512;

    private String uid;
    private final byte[] modelZip;
    private final int numFeatures;
    private final int numClasses;
    private final OneCycleTrainingSummary summary;
    private transient Network network;

    /**
     * An empty model, for registries that instantiate every registered model (Spark 4's Spark Connect ML finds
     * models through {@code META-INF/services/org.apache.spark.ml.Model} with {@link java.util.ServiceLoader},
     * which needs a public no-argument constructor). It has no network: get a usable model from
     * {@link OneCycleClassifier#fit} or {@link #load}.
     */
    public OneCycleClassificationModel() {
        this(PendingUid.park(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("oneCycleClassificationModel")),
                null, null, 0, 0, null);
    }

    OneCycleClassificationModel(String uid, Network network, int numFeatures, int numClasses,
            OneCycleTrainingSummary summary) {
        this(PendingUid.park(uid), zip(network), network, numFeatures, numClasses, summary);
    }

    private OneCycleClassificationModel(PendingUid.Token parked, byte[] modelZip, Network network, int numFeatures,
            int numClasses, OneCycleTrainingSummary summary) {
        super();
        uid();
        this.modelZip = modelZip;
        this.network = network;
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
        this.summary = summary;
    }

    @Override
    public String uid() {
        if (uid == null) {
            uid = PendingUid.take("oneCycleClassificationModel");
        }
        return uid;
    }

    private static byte[] zip(Network network) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            network.save(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The trained DL4J network (MultiLayerNetwork or ComputationGraph in {@code network().model()}). */
    public synchronized Network network() {
        if (network == null && modelZip == null) {
            throw new IllegalStateException("model " + uid() + " is empty (made by its no-argument constructor, "
                    + "for Spark Connect's registry): get one from OneCycleClassifier.fit or "
                    + "OneCycleClassificationModel.load");
        }
        if (network == null) {
            try {
                network = Network.restore(modelZip, "the model of " + uid());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return network;
    }

    /**
     * MLlib's summary hook, declared again: Scala's covariant overrides in ProbabilisticClassificationModel and
     * ClassificationModel clash for javac (raw type: both are the same erased method).
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int numFeatures() {
        return numFeatures;
    }

    /** True when this model came from a fit in this session, or was saved with its summary. */
    public boolean hasSummary() {
        return summary != null;
    }

    /** The applied schedule and per-epoch rows of the fit; refused when there is none. */
    public OneCycleTrainingSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("no training summary available for " + uid());
        }
        return summary;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        FrameExamples.checkFeaturesColumn(schema, getFeaturesCol());
        StructType checked = super.transformSchema(FrameExamples.withVectorFeatures(schema, getFeaturesCol()));
        // the features column as given (an array stays an array), the new columns as MLlib makes them
        StructType out = schema;
        for (int i = schema.size(); i < checked.size(); i++) {
            out = out.add(checked.fields()[i]);
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int in = dataset.schema().size();
        int featuresIndex = dataset.schema().fieldIndex(getFeaturesCol());
        String[] added = new String[out.size() - in];
        for (int i = 0; i < added.length; i++) {
            String name = out.fields()[in + i].name();
            added[i] = name.equals(getRawPredictionCol()) ? "raw" : name.equals(getProbabilityCol()) ? "probability"
                    : "prediction";
        }
        if (added.length == 0) {
            return dataset.toDF();
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        Broadcast<NetworkBroadcast> net = sc.broadcast(network().toBroadcast());
        double[] thresholds = isDefined(thresholds()) ? getThresholds() : null;
        JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(
                new BatchPredictor(net, featuresIndex, numFeatures, added, thresholds));
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    /**
     * One row's output (the network's softmax); prefer {@link #transform} for many rows. {@code predict} and
     * {@code predictProbability} come through here: a vector of another size than the model's, or with a NaN or
     * infinite value, is refused like in {@link #transform}.
     */
    @Override
    public Vector predictRaw(Vector features) {
        if (features == null) {
            throw new IllegalArgumentException("predict: features must be a Vector of " + numFeatures
                    + " values (numFeatures), got null");
        }
        if (features.size() != numFeatures) {
            throw new IllegalArgumentException("predict: features must have the model's " + numFeatures
                    + " values (numFeatures), got a vector of " + features.size());
        }
        String bad = FrameExamples.firstNonFinite(features);
        if (bad != null) {
            throw new IllegalArgumentException("predict: features must be finite, got " + bad + "; impute them "
                    + "(e.g. Imputer) first, as for training");
        }
        float[] x = new float[numFeatures];
        FrameExamples.copyFeatures(features, x, 0);
        INDArray out;
        synchronized (this) {
            out = output(network(), Nd4j.create(x, new long[] {1, numFeatures}, 'c'));
        }
        return Vectors.dense(out.toDoubleVector());
    }

    @Override
    public Vector raw2probabilityInPlace(Vector raw) {
        ProbabilisticClassificationModel.normalizeToProbabilitiesInPlace((DenseVector) raw);
        return raw;
    }

    static INDArray output(Network network, INDArray x) {
        return network.isGraph() ? ((ComputationGraph) network.model()).outputSingle(false, x)
                : ((MultiLayerNetwork) network.model()).output(x, false);
    }

    @Override
    public OneCycleClassificationModel copy(ParamMap extra) {
        OneCycleClassificationModel c = new OneCycleClassificationModel(PendingUid.park(uid()), modelZip, null,
                numFeatures, numClasses, summary);
        return copyValues(c, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<OneCycleClassificationModel> read() {
        return new Reader();
    }

    public static OneCycleClassificationModel load(String path) {
        return read().load(path);
    }

    /** Predicts a partition in minibatches with one network per task, rebuilt from the broadcast. */
    private static final class BatchPredictor implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<NetworkBroadcast> net;
        private final int featuresIndex;
        private final int features;
        private final String[] added;
        private final double[] thresholds;

        BatchPredictor(Broadcast<NetworkBroadcast> net, int featuresIndex, int features, String[] added,
                double[] thresholds) {
            this.net = net;
            this.featuresIndex = featuresIndex;
            this.features = features;
            this.added = added;
            this.thresholds = thresholds;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Network network = Network.fromBroadcast(net.value());
            return new Iterator<>() {
                private final List<Row> done = new ArrayList<>();
                private int next;

                @Override
                public boolean hasNext() {
                    if (next < done.size()) {
                        return true;
                    }
                    done.clear();
                    next = 0;
                    int most = FrameExamples.rowsPerBatch(features, PREDICT_BATCH);
                    List<Row> batch = new ArrayList<>(most);
                    while (rows.hasNext() && batch.size() < most) {
                        batch.add(rows.next());
                    }
                    if (batch.isEmpty()) {
                        return false;
                    }
                    predict(network, batch);
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return done.get(next++);
                }

                private String column(Row r) {
                    return r.schema() == null ? "features" : r.schema().fields()[featuresIndex].name();
                }

                private void predict(Network network, List<Row> batch) {
                    int n = batch.size();
                    float[] x = new float[n * features];
                    for (int i = 0; i < n; i++) {
                        Object v = batch.get(i).get(featuresIndex);
                        if (v == null) {
                            throw new InvalidColumnException("featuresCol", column(batch.get(i)),
                                    "is null in a row to predict");
                        }
                        if (FrameExamples.sizeOf(v) != features) {
                            throw new InvalidColumnException("featuresCol", column(batch.get(i)), "a row to predict "
                                    + "has " + FrameExamples.sizeOf(v) + " features, the model takes " + features);
                        }
                        String bad = FrameExamples.firstNonFinite(v);
                        if (bad != null) {
                            throw new InvalidColumnException("featuresCol", column(batch.get(i)), "a row to predict "
                                    + "holds " + bad + "; impute them (e.g. Imputer) or drop those rows first, as "
                                    + "for training");
                        }
                        FrameExamples.copyFeatures(v, x, i * features);
                    }
                    double[][] out = output(network, Nd4j.create(x, new long[] {n, features}, 'c')).toDoubleMatrix();
                    for (int i = 0; i < n; i++) {
                        Row r = batch.get(i);
                        Object[] values = new Object[r.size() + added.length];
                        for (int j = 0; j < r.size(); j++) {
                            values[j] = r.get(j);
                        }
                        double[] raw = out[i];
                        double[] prob = normalised(raw);
                        for (int k = 0; k < added.length; k++) {
                            values[r.size() + k] = added[k].equals("raw") ? Vectors.dense(raw.clone())
                                    : added[k].equals("probability") ? Vectors.dense(prob) : prediction(prob);
                        }
                        done.add(RowFactory.create(values));
                    }
                }
            };
        }

        private static double[] normalised(double[] raw) {
            double sum = 0;
            for (double v : raw) {
                sum += v;
            }
            double[] p = raw.clone();
            for (int i = 0; i < p.length; i++) {
                p[i] = sum > 0 ? p[i] / sum : 1.0 / p.length;
            }
            return p;
        }

        /** The most probable class; with thresholds, of probability / threshold (MLlib's rule). */
        private double prediction(double[] prob) {
            int best = 0;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < prob.length; i++) {
                double v = thresholds == null ? prob[i] : thresholds[i] == 0 ? Double.POSITIVE_INFINITY
                        : prob[i] / thresholds[i];
                if (v > bestValue) {
                    best = i;
                    bestValue = v;
                }
            }
            return best;
        }
    }

    /** Params as MLlib metadata (with numFeatures, numClasses), the DL4J zip, and the summary's two CSVs. */
    private static final class Writer extends MLWriter {
        private final OneCycleClassificationModel model;

        Writer(OneCycleClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            StageMetadata.save(model, path, sc(), Map.of("numFeatures", model.numFeatures, "numClasses",
                    model.numClasses, "hasSummary", model.summary != null), Set.of());
            try {
                StageMetadata.writeBytes(path, "model/model.zip", sc(), model.modelZip);
                if (model.summary != null) {
                    StageMetadata.writeBytes(path, "summary/applied-schedule.csv", sc(),
                            model.summary.appliedScheduleCsv().getBytes(StandardCharsets.UTF_8));
                    StageMetadata.writeBytes(path, "summary/metrics.csv", sc(),
                            model.summary.metricsCsv().getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the model to " + path + ": " + e.getMessage(), e);
            }
        }
    }

    private static final class Reader extends MLReader<OneCycleClassificationModel> {
        @Override
        public OneCycleClassificationModel load(String path) {
            JsonNode m = StageMetadata.load(path, sc(), OneCycleClassificationModel.class);
            try {
                byte[] zip = StageMetadata.readBytes(path, "model/model.zip", sc());
                // a zip that is no DL4J model fails here, naming the file in the folder
                Network network = Network.restore(zip, new org.apache.hadoop.fs.Path(path, "model/model.zip").toString());
                OneCycleTrainingSummary summary = null;
                if (m.path("hasSummary").asBoolean(false)) {
                    summary = OneCycleTrainingSummary.parse(
                            new String(StageMetadata.readBytes(path, "summary/applied-schedule.csv", sc()),
                                    StandardCharsets.UTF_8),
                            new String(StageMetadata.readBytes(path, "summary/metrics.csv", sc()),
                                    StandardCharsets.UTF_8));
                }
                OneCycleClassificationModel model = new OneCycleClassificationModel(
                        PendingUid.park(m.path("uid").asText()), zip, network, m.path("numFeatures").asInt(),
                        m.path("numClasses").asInt(), summary);
                StageMetadata.apply(m, model, (p, v, isDefault) -> {
                    if (isDefault) {
                        model.setDefault(p, v);
                    } else {
                        model.set(p, v);
                    }
                });
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("could not read the model in " + path + ": " + e.getMessage(), e);
            }
        }
    }
}
