package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A PipelineModel (StandardScaler + OneCycleClassificationModel) saved on one Spark line loads on the other and
 * predicts bitwise what it predicted where it was written. src/test/resources/cross-line/spark-LINE/ holds each
 * line's saved pipeline-model/ and the probabilities it gave for 20 test rows (predictions.csv, exact doubles);
 * written by running with {@code -Donecycle.crossline.write=src/test/resources/cross-line} (see CrossLineRunTest).
 */
class CrossLinePipelineTest {
    private static final Path FIXTURES = Paths.get("src/test/resources/cross-line");

    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    private static String line() {
        return scala.util.Properties.versionNumberString().startsWith("2.12.") ? "3.5" : "4";
    }

    /** One row per test row: its probability vector's doubles, exact (Double.toHexString), comma-separated. */
    private static List<String> probabilities(PipelineModel model, Dataset<Row> rows) {
        return model.transform(rows).select("probability").collectAsList().stream()
                .map(r -> {
                    List<String> cells = new ArrayList<>();
                    for (double d : ((Vector) r.get(0)).toArray()) {
                        cells.add(Double.toHexString(d));
                    }
                    return String.join(",", cells);
                }).collect(Collectors.toList());
    }

    @Test
    void aPipelineModelSavedOnEitherLineLoadsAndPredictsTheSameBits() throws Exception {
        Dataset<Row> test = Frames.vectors(6000, 6020);
        String write = System.getProperty("onecycle.crossline.write", "");
        if (!write.isEmpty()) {
            Path out = Paths.get(write).resolve("spark-" + line());
            Files.createDirectories(out);
            PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {
                new StandardScaler().setInputCol("features").setOutputCol("scaled"),
                new OneCycleClassifier().setHidden(8).setBatchSize(20).setWorkers(2).setTotEpochs(1).setLrMax(0.01)
                        .setFeaturesCol("scaled")}).fit(Frames.vectors(0, 200));
            fitted.write().overwrite().save(out.resolve("pipeline-model").toString());
            Files.write(out.resolve("predictions.csv"), probabilities(fitted, test));
            return;
        }
        for (String written : List.of("3.5", "4")) {
            Path f = FIXTURES.resolve("spark-" + written);
            PipelineModel loaded = PipelineModel.load(f.resolve("pipeline-model").toString());
            assertTrue(loaded.stages()[1] instanceof OneCycleClassificationModel, loaded.stages()[1].toString());
            assertEquals(Files.readAllLines(f.resolve("predictions.csv")), probabilities(loaded, test),
                    "Spark " + written + "'s saved PipelineModel, loaded on Spark " + line());
        }
    }
}
