package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.RoundTrip;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.schedule.InvalidParameterException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OneCycleClassifier} and its model as MLlib stages, on a few hundred rows of the Fashion-MNIST sample. */
class OneCycleClassifierTest {
    @TempDir
    static Path tmp;
    private static Dataset<Row> train;
    private static Dataset<Row> test;

    @BeforeAll
    static void data() {
        train = Frames.vectors(0, 600).cache();
        test = Frames.vectors(6000, 6300).cache();
    }

    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    /** A tiny network and few iterations: 600 rows over 2 workers in batches of 20 give 15 steps per epoch. */
    private static OneCycleClassifier small() {
        return new OneCycleClassifier().setHidden(16).setBatchSize(20).setWorkers(2).setTotEpochs(2).setLrMax(0.1);
    }

    private static double accuracy(Dataset<Row> predictions) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions);
    }

    private static List<Vector> column(Dataset<Row> frame, String name) {
        return frame.select(name).collectAsList().stream().map(r -> (Vector) r.get(0)).collect(Collectors.toList());
    }

    @Test
    void paramsAreValidatedWhenSetNamingTheParamTheRuleAndTheValue() {
        OneCycleClassifier oc = new OneCycleClassifier();
        InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> oc.setLrMax(-1));
        assertEquals("lrMax must be finite and > 0, got -1.0", e.getMessage());
        assertEquals("style must be one of fastai, fastai2, pytorch, got 'keras'",
                assertThrows(InvalidParameterException.class, () -> oc.setStyle("keras")).getMessage());
        assertEquals("pctStart must be in [0, 1], got 1.5",
                assertThrows(InvalidParameterException.class, () -> oc.setPctStart(1.5)).getMessage());
        assertEquals("averaging must be one of auto, barrier, driver, got 'tree'",
                assertThrows(InvalidParameterException.class, () -> oc.setAveraging("tree")).getMessage());
        assertEquals("batchSize must be > 0, got 0",
                assertThrows(InvalidParameterException.class, () -> oc.setBatchSize(0)).getMessage());
        // docs and defaults, as MLlib shows them
        String explained = oc.explainParams();
        assertTrue(explained.contains("lrMax: Peak learning rate (finite, > 0). (default: 0.1)"), explained);
        assertTrue(explained.contains("totEpochs: Epochs in the whole cycle. (default: 5)"), explained);
        assertTrue(explained.contains("epochs: Epochs to run now. Unset: to the end of the cycle. (undefined)"),
                explained);
        // every declared library setting is a Param, found by MLlib by name
        for (dev.onecycle.settings.Setting<?> s : dev.onecycle.settings.Settings.all()) {
            assertEquals(s.name(), oc.getParam(s.name()).name());
        }
        assertEquals(5, oc.getEpochs(), "unset epochs run to the end of the cycle");
        assertEquals(3, oc.setStartEpoch(2).getEpochs());
        assertEquals(250_000.0, oc.getFinalDiv(), "fastai's default final divisor: divFactor * 1e4");
        assertEquals(0.3, oc.getPctStart(), "fastai's default pctStart");
        // the style Param takes fastai2, whose unset pctStart and finalDiv are fit_one_cycle's defaults
        OneCycleClassifier v2 = new OneCycleClassifier().setStyle("fastai2");
        assertEquals("fastai2", v2.getStyle());
        assertEquals(0.25, v2.getPctStart());
        assertEquals(1e5, v2.getFinalDiv());
        assertEquals(dev.onecycle.schedule.OneCycleStyle.FASTAI2, v2.policy().style());
        assertEquals(0.4, v2.setPctStart(0.4).getPctStart());
        assertTrue(explained.contains("pctStart: Fraction of the cycle spent warming up, in [0, 1]. Unset: fastai, "
                + "pytorch 0.3; fastai2 0.25. (undefined)"), explained);
        // a combination the policy refuses, refused before any data is read
        OneCycleClassifier fastaiThreePhase = new OneCycleClassifier().setThreePhase(true);
        assertEquals("threePhase", assertThrows(InvalidParameterException.class,
                () -> fastaiThreePhase.fit(train)).parameter());
    }

    @Test
    void pipelineOfScalerAndClassifierFitsAndTransformsADataFrameReadFromParquet() throws Exception {
        String trainPath = tmp.resolve("train.parquet").toString();
        String testPath = tmp.resolve("test.parquet").toString();
        train.write().parquet(trainPath);
        test.write().parquet(testPath);
        Dataset<Row> trainRead = Frames.spark().read().parquet(trainPath);
        Dataset<Row> testRead = Frames.spark().read().parquet(testPath);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new StandardScaler().setInputCol("features").setOutputCol("scaled"),
            small().setLrMax(0.01).setBatchSize(10).setFeaturesCol("scaled")});
        PipelineModel fitted = pipeline.fit(trainRead);
        Dataset<Row> predicted = fitted.transform(testRead);
        assertTrue(List.of(predicted.columns()).containsAll(List.of("prediction", "probability", "rawPrediction")));
        double acc = accuracy(predicted);
        assertTrue(acc > 0.45, "two short epochs on 600 rows learn well past chance (0.1): " + acc);
        for (Vector p : column(predicted, "probability").subList(0, 20)) {
            double sum = 0;
            for (double x : p.toArray()) {
                sum += x;
            }
            assertEquals(1.0, sum, 1e-9);
        }

        // a saved PipelineModel loads with the classifier's model in it and predicts the same
        String saved = tmp.resolve("pipeline-model").toString();
        fitted.write().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        assertTrue(loaded.stages()[1] instanceof OneCycleClassificationModel);
        Dataset<Row> again = loaded.transform(testRead);
        assertEquals(column(predicted, "probability"), column(again, "probability"));
        assertEquals(predicted.select("prediction").collectAsList(), again.select("prediction").collectAsList());
        // and the unfitted pipeline too
        String savedPipeline = tmp.resolve("pipeline").toString();
        pipeline.write().save(savedPipeline);
        OneCycleClassifier stage = (OneCycleClassifier) Pipeline.load(savedPipeline).getStages()[1];
        assertEquals("scaled", stage.getFeaturesCol());
        assertEquals(16, stage.getHidden());
    }

    @Test
    void estimatorAndModelLoadBackWithTheSameParamsAndPredictions() throws Exception {
        OneCycleClassificationModel model = small().setTotEpochs(1).setSeed(7).fit(train);
        model.setProbabilityCol("p");
        OneCycleClassificationModel loaded = RoundTrip.mlSaveLoad(model, tmp.resolve("models"));
        assertEquals(column(model.transform(test), "p"), column(loaded.transform(test), "p"));
        assertEquals(model.network().paramsSha256(), loaded.network().paramsSha256());
        assertTrue(model.network().updaterState().equalsWithEps(loaded.network().updaterState(), 0.0));
        assertEquals(model.summary().appliedScheduleCsv(), loaded.summary().appliedScheduleCsv());
        assertEquals(model.summary().metricsCsv(), loaded.summary().metricsCsv());
        assertEquals(10, loaded.numClasses());
        assertEquals(784, loaded.numFeatures());

        OneCycleClassifier est = small().setTotEpochs(20).setStartEpoch(1).setEpochs(3).setStyle("pytorch")
                .setFinalDiv(100).setMomentum(0.9, 0.8).setAnneal("linear").setCheckpointDir("/tmp/x")
                .setInitialModel(model);
        OneCycleClassifier estLoaded = RoundTrip.mlSaveLoad(est, tmp.resolve("estimators"));
        assertEquals(est.policy(), estLoaded.policy());
        assertEquals(model.network().paramsSha256(), estLoaded.getInitialModel().network().paramsSha256());
        assertFalse(estLoaded.isSet(estLoaded.param(dev.onecycle.settings.Settings.RESUME)));
    }

    @Test
    void trainValidationSplitPicksTheBetterLrMaxByTheEvaluator() {
        OneCycleClassifier oc = small().setTotEpochs(1);
        ParamMap[] grid = new ParamGridBuilder().addGrid(oc.lrMax(), new double[] {1e-5, 0.1}).build();
        TrainValidationSplit tvs = new TrainValidationSplit().setEstimator(oc).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setTrainRatio(0.75)
                .setSeed(3);
        TrainValidationSplitModel best = tvs.fit(train);
        double[] metrics = best.validationMetrics();
        assertTrue(metrics[1] > metrics[0] + 0.2, "lrMax 0.1 learns, 1e-5 barely moves: " + metrics[0] + " vs "
                + metrics[1]);
        OneCycleClassifier chosen = (OneCycleClassifier) best.bestModel().parent();
        assertEquals(0.1, chosen.getLrMax());
    }

    @Test
    void aCycleFittedAsEightPlusTwelveEpochsEqualsOneTwentyEpochFitBitwise() {
        Dataset<Row> d = Frames.vectors(0, 96).cache();
        // 96 rows over 2 workers in batches of 16: 3 steps per epoch, one averaging round each
        OneCycleClassifier oc = new OneCycleClassifier().setHidden(8).setBatchSize(16).setWorkers(2)
                .setAveragingFrequency(3).setTotEpochs(20).setLrMax(0.05);
        OneCycleClassificationModel whole = oc.fit(d);
        OneCycleClassificationModel first = oc.copy(ParamMap.empty()).setEpochs(8).fit(d);
        OneCycleClassificationModel rest = oc.copy(ParamMap.empty()).setStartEpoch(8).setEpochs(12)
                .setInitialModel(first).fit(d);
        assertEquals(whole.network().paramsSha256(), rest.network().paramsSha256(), "bitwise equal parameters");
        assertTrue(whole.network().updaterState().equalsWithEps(rest.network().updaterState(), 0.0));
        assertEquals(whole.network().iterationCount(), rest.network().iterationCount());
        List<AppliedStep> parts = new java.util.ArrayList<>(first.summary().appliedSchedule());
        parts.addAll(rest.summary().appliedSchedule());
        assertEquals(whole.summary().appliedSchedule(), parts, "the same applied schedule, step by step");
        assertEquals(60, whole.summary().appliedSchedule().stream().mapToLong(AppliedStep::iteration).distinct().count());
        assertFalse(first.network().paramsSha256().equals(rest.network().paramsSha256()),
                "the initial model itself is not changed by the fit that continues it");
        assertArrayEquals(column(whole.transform(d), "probability").toArray(),
                column(rest.transform(d), "probability").toArray());
        d.unpersist();
    }

    @Test
    void findLrRunsTheRangeTestWithTheEstimatorsWorkersAndSuggestsAnLrMaxWithoutFittingAnything() {
        OneCycleClassifier oc = small();
        dev.onecycle.lrfind.RangeTestResult r = oc.findLr(train, new dev.onecycle.lrfind.LrRange(1e-4, 1, 30, false));
        assertTrue(r.points().size() == 30, "points: " + r.points().size());
        assertEquals(1e-4, r.points().get(0).lr(), 1e-18);
        double lr = r.auto().orElseThrow().lr();
        assertTrue(lr > 1e-5 && lr < 1, "suggested " + lr);
        assertEquals(r.points(), oc.findLr(train, new dev.onecycle.lrfind.LrRange(1e-4, 1, 30, false)).points(),
                "seeded: the same curve again");
        assertEquals(0.1, oc.getLrMax(), "the estimator is not changed");
    }

    @Test
    void anArrayFeaturesColumnTrainsTheSameNetworkAsAVectorColumn() {
        OneCycleClassifier oc = small().setTotEpochs(1);
        OneCycleClassificationModel fromVectors = oc.fit(Frames.vectors(0, 200));
        OneCycleClassificationModel fromArrays = oc.copy(ParamMap.empty()).setFeaturesCol("pixels")
                .fit(Frames.arrays(0, 200));
        assertEquals(fromVectors.network().paramsSha256(), fromArrays.network().paramsSha256());
        Dataset<Row> predicted = fromArrays.transform(Frames.arrays(0, 50));
        assertEquals("array<double>", predicted.schema().apply("pixels").dataType().simpleString());
        assertEquals(50, predicted.select("prediction").count());
    }
}
