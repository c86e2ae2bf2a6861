package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.schedule.InvalidParameterException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Input the estimator cannot train on is refused with an error naming the column (or param) and the problem,
 * before any training job of the trainer starts (a listener sees every job's description).
 */
class OneCycleClassifierInputTest {
    private static final List<String> TRAINING_JOBS = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void watchJobs() {
        Frames.spark().sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                String d = job.properties().getProperty("spark.job.description");
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

    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    private static OneCycleClassifier small() {
        return new OneCycleClassifier().setHidden(8).setBatchSize(8).setWorkers(2).setTotEpochs(1);
    }

    /** Six rows of 3 features; {@code bad} replaces row 4's (features, label). */
    private static Dataset<Row> rows(Object badFeatures, Object badLabel, StructType schema) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(i == 4 ? RowFactory.create(badFeatures, badLabel)
                    : RowFactory.create(Vectors.dense(i, 1, 2), (double) (i % 2)));
        }
        return Frames.spark().createDataFrame(rows, schema);
    }

    private static final StructType VECTORS = new StructType().add("features", SQLDataTypes.VectorType())
            .add("label", DataTypes.DoubleType);

    private static String refused(Executable fit) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, fit);
        assertEquals(List.of(), TRAINING_JOBS, "no training job ran");
        return e.getMessage();
    }

    @Test
    void aMissingColumnIsNamedWithTheColumnsThereAre() {
        String m = refused(() -> small().setFeaturesCol("pixels").fit(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS)));
        assertEquals("featuresCol 'pixels': no such column; the DataFrame has features, label (set featuresCol to "
                + "the right one)", m);
        m = refused(() -> small().setLabelCol("y").fit(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS)));
        assertTrue(m.startsWith("labelCol 'y': no such column"), m);
    }

    @Test
    void columnsOfTheWrongTypeAreRefusedSayingWhatTheyMustBe() {
        StructType text = new StructType().add("features", DataTypes.StringType).add("label", DataTypes.DoubleType);
        List<Row> r = List.of(RowFactory.create("a", 0.0), RowFactory.create("b", 1.0));
        String m = refused(() -> small().fit(Frames.spark().createDataFrame(r, text)));
        assertEquals("featuresCol 'features': must be an ML Vector (dense or sparse) or an array of numbers, but is "
                + "string; assemble the feature columns with VectorAssembler", m);
        StructType textLabels = new StructType().add("features", SQLDataTypes.VectorType())
                .add("label", DataTypes.StringType);
        List<Row> r2 = List.of(RowFactory.create(Vectors.dense(1), "cat"), RowFactory.create(Vectors.dense(2), "dog"));
        m = refused(() -> small().fit(Frames.spark().createDataFrame(r2, textLabels)));
        assertEquals("labelCol 'label': must hold class indices 0, 1, ... as numbers, but is string; index string "
                + "labels with StringIndexer", m);
    }

    @Test
    void nanFeaturesAreRefusedCountingTheRows() {
        String m = refused(() -> small().fit(rows(Vectors.dense(1, Double.NaN, 3), 1.0, VECTORS)));
        assertEquals("featuresCol 'features': holds NaN or infinite values in 1 of 6 rows (first: NaN at feature 1); "
                + "impute them (e.g. Imputer) or drop those rows", m);
        m = refused(() -> small().fit(rows(Vectors.sparse(3, new int[] {2}, new double[] {Double.POSITIVE_INFINITY}),
                1.0, VECTORS)));
        assertTrue(m.contains("in 1 of 6 rows (first: Infinity at feature 2)"), m);
    }

    @Test
    void labelsThatAreNotClassIndicesAreRefused() {
        String m = refused(() -> small().fit(rows(Vectors.dense(1, 2, 3), 1.5, VECTORS)));
        assertEquals("labelCol 'label': must be a whole number >= 0 (a class index) in every row, but 1 of 6 rows "
                + "are not (first: 1.5); index the labels with StringIndexer", m);
        m = refused(() -> small().fit(rows(Vectors.dense(1, 2, 3), -1.0, VECTORS)));
        assertTrue(m.contains("(first: -1)"), m);
        m = refused(() -> small().fit(rows(Vectors.dense(1, 2, 3), null, VECTORS)));
        assertTrue(m.startsWith("labelCol 'label': is null in 1 of 6 rows"), m);
        // the label's ML metadata (StringIndexer's) fixes the classes: a label past them is refused
        Metadata threeClasses = NominalAttribute.defaultAttr().withNumValues(3).toMetadata();
        StructType declared = new StructType().add("features", SQLDataTypes.VectorType())
                .add("label", DataTypes.DoubleType, false, threeClasses);
        m = refused(() -> small().fit(rows(Vectors.dense(1, 2, 3), 5.0, declared)));
        assertEquals("labelCol 'label': must be a whole number in [0, 3) in every row, but 5 occurs (the column's "
                + "metadata declares 3 classes)", m);
    }

    @Test
    void featureVectorsOfDifferentSizesAreRefused() {
        String m = refused(() -> small().fit(rows(Vectors.dense(1, 2), 1.0, VECTORS)));
        assertEquals("featuresCol 'features': has rows of 2 and of 3 features; every row needs the same number", m);
    }

    @Test
    void networksThatCannotBeBuiltOrDoNotFitTheDataAreRefusedByParam() {
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> small().setNetwork("{\"not\": \"a network\"}").fit(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS)));
        assertEquals("network", e.parameter());
        assertTrue(e.getMessage().startsWith("network must be 'mlp', 'lenet' or a DL4J MultiLayerConfiguration"), e.getMessage());
        String wrongInputs = FashionMlp.create(5, 4, 2, 1).configurationJson();
        e = assertThrows(InvalidParameterException.class,
                () -> small().setNetwork(wrongInputs).fit(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS)));
        assertTrue(e.getMessage().startsWith("network must fit the data (3 features in, 2 classes out)"), e.getMessage());
        assertEquals(List.of(), TRAINING_JOBS);
        e = assertThrows(InvalidParameterException.class, () -> small().setResume(true)
                .fit(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS)));
        assertEquals("resume needs checkpointDir (where the checkpoints are), got true", e.getMessage());
        e = assertThrows(InvalidParameterException.class, () -> small().setWorkers(7)
                .fit(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS)));
        assertEquals("workers must be at most the 6 rows to train on (every worker needs one), got 7", e.getMessage());
        assertEquals(List.of(), TRAINING_JOBS);
    }

    @Test
    void aNetworkGivenAsDl4jJsonTrains() {
        String json = FashionMlp.create(3, 4, 2, 1).configurationJson();
        OneCycleClassificationModel m = small().setNetwork(json).fit(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS));
        assertEquals(2, m.numClasses());
        assertTrue(TRAINING_JOBS.size() > 0, "it trained");
        assertEquals(6, m.transform(rows(Vectors.dense(1, 2, 3), 1.0, VECTORS)).count());
    }
}
