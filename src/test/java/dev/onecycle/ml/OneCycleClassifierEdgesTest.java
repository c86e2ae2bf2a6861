package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The estimator's edges, as a careless user meets them: a trained model continued with a slice of another
 * cycle, empty and very wide data, unchecked single-row predictions, labels that are ids, Params refused late.
 * Each is one error naming the Param, column or path, before any training job, and the session lives on.
 */
class OneCycleClassifierEdgesTest {
    private static final List<String> TRAINING_JOBS = new java.util.concurrent.CopyOnWriteArrayList<>();
    @TempDir
    static Path tmp;
    private static Dataset<Row> data;
    /** Epoch 0 of a 2-epoch cycle: 120 rows over 2 workers in batches of 20 give 3 iterations per epoch. */
    private static OneCycleClassificationModel firstEpoch;

    @BeforeAll
    static void fitTheFirstEpoch() {
        data = Frames.vectors(0, 120).cache();
        firstEpoch = small().setTotEpochs(2).setEpochs(1).fit(data);
        Frames.spark().sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                String d = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
                if (d != null && d.startsWith("1cycle")) {
                    TRAINING_JOBS.add(d);
                }
            }
        });
    }

    @BeforeEach
    void clear() {
        TRAINING_JOBS.clear();
    }

    @AfterEach
    void theSessionLives() {
        assertFalse(Frames.spark().sparkContext().isStopped(), "the SparkContext is alive");
        assertEquals(3, Frames.spark().range(3).count(), "and runs jobs");
    }

    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    private static OneCycleClassifier small() {
        return new OneCycleClassifier().setHidden(16).setBatchSize(20).setWorkers(2).setLrMax(0.1);
    }

    private static InvalidParameterException refusedParam(org.junit.jupiter.api.function.Executable fit) {
        InvalidParameterException e = assertThrows(InvalidParameterException.class, fit);
        assertEquals(List.of(), TRAINING_JOBS, "no training job ran");
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        return e;
    }

    private static String refusedColumn(org.junit.jupiter.api.function.Executable fit) {
        InvalidColumnException e = assertThrows(InvalidColumnException.class, fit);
        assertEquals(List.of(), TRAINING_JOBS, "no training job ran");
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String... fragments) {
        for (String f : fragments) {
            assertTrue(message.contains(f), "'" + f + "' in: " + message);
        }
    }

    @Test
    void aTrainedModelContinuedWithAnotherSliceOfCycleIsRefusedUnlessANewCycleIsAsked() {
        assertEquals(1, firstEpoch.network().epochCount());
        // startEpoch left at 0: the warm-up again on trained weights
        InvalidParameterException e = refusedParam(() -> small().setTotEpochs(2).setInitialModel(firstEpoch).fit(data));
        assertEquals("initialModel", e.parameter());
        assertContains(e.getMessage(), "initialModel holds epoch 1 of a 2-epoch 1cycle (iteration 3, 3 per epoch;",
                "startEpoch 0 where the model is at epoch 1", "continue it with startEpoch 1 and totEpochs 2",
                "or set newCycle true to start a new cycle from its weights", "got startEpoch 0, totEpochs 2");
        // the same model taken for epoch 1 of a 10-epoch cycle
        e = refusedParam(() -> small().setTotEpochs(10).setStartEpoch(1).setInitialModel(firstEpoch).fit(data));
        assertContains(e.getMessage(), "totEpochs 10 where the model's cycle has 2", "startEpoch 1 and totEpochs 2");
        // the right slice with another policy, or data that counts other iterations per epoch
        e = refusedParam(() -> small().setTotEpochs(2).setStartEpoch(1).setLrMax(0.5).setInitialModel(firstEpoch)
                .fit(data));
        assertContains(e.getMessage(), "lrMax 0.5 where the model's is 0.1");
        e = refusedParam(() -> small().setTotEpochs(2).setStartEpoch(1).setBatchSize(10).setInitialModel(firstEpoch)
                .fit(data));
        assertContains(e.getMessage(), "6 iterations per epoch where the model's cycle has 3");

        // the slice that continues it trains; the finished cycle is then refused
        OneCycleClassificationModel whole = small().setTotEpochs(2).setStartEpoch(1).setInitialModel(firstEpoch)
                .fit(data);
        assertEquals(2, whole.network().epochCount());
        TRAINING_JOBS.clear();
        e = refusedParam(() -> small().setTotEpochs(2).setStartEpoch(1).setInitialModel(whole).fit(data));
        assertContains(e.getMessage(), "initialModel holds epoch 2 of a 2-epoch 1cycle", "which it has finished",
                "set newCycle true");
        // asked for explicitly: a new cycle on the trained weights
        OneCycleClassificationModel again = small().setTotEpochs(1).setInitialModel(whole).setNewCycle(true).fit(data);
        assertEquals(1, again.network().epochCount());
        assertEquals(3, again.network().iterationCount(), "the new cycle's own count");
        // a model without a cycle (a DL4J network a user built) is a fresh start at any slice
        OneCycleClassificationModel plain = new OneCycleClassificationModel("plain", FashionMlp.create(784, 16, 10, 3),
                784, 10, null);
        assertEquals(2, small().setTotEpochs(3).setStartEpoch(1).setEpochs(1).setInitialModel(plain).fit(data)
                .network().epochCount());
        // the Param comes from the one declaration of the setting
        assertEquals(Settings.NEW_CYCLE.name(), small().newCycle().name());
        assertFalse(small().getNewCycle());
        assertTrue(small().explainParams().contains("newCycle: " + Settings.NEW_CYCLE.doc()));
    }

    @Test
    void anEmptyDataFrameWithoutPartitionsHasNoRowsToTrainOn() {
        for (Dataset<Row> empty : List.of(data.limit(0), data.where("false"))) {
            String expected = "featuresCol 'features': the DataFrame has no rows to train on";
            assertEquals(expected, refusedColumn(() -> small().fit(empty)));
            assertEquals(expected, refusedColumn(() -> small().findLr(empty)));
        }
    }

    @Test
    void aVeryWideSparseColumnIsRefusedNamingItsWidthAndMemoryAndTheSessionLives() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            rows.add(RowFactory.create(Vectors.sparse(1_000_000, new int[] {i, 1000 + i, 999_999},
                    new double[] {1, 0.5, 0.25}), (double) (i % 2)));
        }
        StructType schema = new StructType().add("wide", SQLDataTypes.VectorType()).add("y", DataTypes.DoubleType);
        Dataset<Row> wide = Frames.spark().createDataFrame(rows, schema);
        String m = refusedColumn(() -> small().setFeaturesCol("wide").setLabelCol("y").fit(wide));
        assertTrue(m.startsWith("featuresCol 'wide': 1,000,000 features per row need ~"), m);
        assertContains(m, "GiB to train (600 rows densified to float32: 2.2 GiB;", "heap", "reduce the features");
        m = refusedColumn(() -> small().setFeaturesCol("wide").setLabelCol("y").findLr(wide));
        assertTrue(m.startsWith("featuresCol 'wide': 1,000,000 features per row need ~"), m);
    }

    @Test
    void predictionsOfSingleRowsCheckTheVectorSizeAndRefuseNaN() {
        OneCycleClassificationModel m = firstEpoch;
        Vector ten = Vectors.dense(new double[10]);
        Vector wide = Vectors.dense(new double[2000]);
        String size = "predict: features must have the model's 784 values (numFeatures), got a vector of ";
        assertEquals(size + "10", assertThrows(IllegalArgumentException.class, () -> m.predict(ten)).getMessage());
        assertEquals(size + "2000", assertThrows(IllegalArgumentException.class, () -> m.predictRaw(wide)).getMessage());
        assertEquals(size + "10", assertThrows(IllegalArgumentException.class,
                () -> m.predictProbability(ten)).getMessage());
        double[] withNaN = new double[784];
        withNaN[3] = Double.NaN;
        assertEquals("predict: features must be finite, got NaN at feature 3; impute them (e.g. Imputer) first, as "
                + "for training", assertThrows(IllegalArgumentException.class,
                        () -> m.predict(Vectors.dense(withNaN))).getMessage());
        // transform: the same rule for every row
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        Dataset<Row> nan = Frames.spark().createDataFrame(List.of(RowFactory.create(Vectors.dense(withNaN), 0.0)), schema);
        Exception e = assertThrows(Exception.class, () -> m.transform(nan).collectAsList());
        assertContains(rootMessages(e), "featuresCol 'features': a row to predict holds NaN at feature 3; impute them");
        // and a well-formed row predicts a class
        double p = m.predict(Frames.vectors(0, 1).first().getAs(0));
        assertTrue(p >= 0 && p < 10, "prediction " + p);
    }

    private static String rootMessages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append(" | ");
        }
        return b.toString();
    }

    @Test
    void aLabelOfABillionIsRefusedNamingTheLabelColumnAndTheLargestLabel() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(RowFactory.create(Vectors.dense(i, 1, 2), i == 4 ? 1e9 : (double) (i % 2)));
        }
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("target", DataTypes.DoubleType);
        Dataset<Row> ids = Frames.spark().createDataFrame(rows, schema);
        String m = refusedColumn(() -> small().setLabelCol("target").fit(ids));
        assertEquals("labelCol 'target': has the largest label 1000000000, which makes 1000000001 classes; at most "
                + "100000 are supported (one output and one one-hot column per class): labels must be class indices "
                + "0 .. k-1, index them with StringIndexer", m);
    }

    @Test
    void aStartEpochPastTheCycleIsNamedAsStartEpoch() {
        InvalidParameterException e = refusedParam(() -> small().setTotEpochs(2).setStartEpoch(2).fit(data));
        assertEquals("startEpoch", e.parameter());
        assertEquals("startEpoch must be < totEpochs (2), got 2", e.getMessage());
        assertEquals("startEpoch must be < totEpochs (2), got 4",
                refusedParam(() -> small().setTotEpochs(2).setStartEpoch(4).fit(data)).getMessage());
    }

    @Test
    void aNetworkThatIsNotAConfigurationIsRefusedWhenSet() {
        OneCycleClassifier oc = small();
        InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> oc.setNetwork("{not json"));
        assertEquals("network", e.parameter());
        assertTrue(e.getMessage().startsWith("network must be 'mlp', 'lenet' or a DL4J MultiLayerConfiguration / "
                + "ComputationGraphConfiguration JSON (not JSON: Unexpected character ('n'"), e.getMessage());
        assertTrue(e.getMessage().endsWith(", got {not json"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(assertThrows(InvalidParameterException.class, () -> oc.setNetwork("[1, 2]")).getMessage()
                .contains("(not a JSON object)"));
        assertTrue(assertThrows(InvalidParameterException.class, () -> oc.setNetwork("{\"confs\": []}")).getMessage()
                .contains("(no layers"));
        assertEquals(OneCycleClassifier.MLP, oc.getNetwork(), "a refused value is not set");
        String json = FashionMlp.create(784, 4, 10, 1).configurationJson();
        assertEquals(json, oc.setNetwork(json).getNetwork());
    }

    @Test
    void aSavedModelWhoseZipIsGarbageIsReportedByTheFolder() throws Exception {
        String saved = tmp.resolve("model").toString();
        firstEpoch.write().save(saved);
        Files.writeString(tmp.resolve("model/model/model.zip"), "not a model");
        Files.deleteIfExists(tmp.resolve("model/model/.model.zip.crc")); // Hadoop's checksum of the old bytes
        Exception e = assertThrows(RuntimeException.class, () -> OneCycleClassificationModel.load(saved));
        assertContains(e.getMessage(), saved + "/model/model.zip is not a DL4J model saved by ModelSerializer");
        assertFalse(e.getMessage().contains(firstEpoch.uid()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
