package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.lrfind.RangePoint;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.lrfind.StopReason;
import dev.onecycle.lrfind.Suggestion;
import dev.onecycle.lrfind.Suggestions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The range test run by the real trainer on Spark (local[2]). */
class LrFinderTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("LrFinderTest")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"));
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** What the workers applied, per iteration and worker. */
    private static final class Applied implements TrainingObserver {
        final List<AppliedStep> steps = new ArrayList<>();

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
            steps.addAll(applied);
        }
    }

    private static JavaRDD<DataSet> fashion(int examples) throws java.io.IOException {
        return sc.parallelize(FashionMnist.sample().train().head(examples).toDataSets(50), 3);
    }

    @Test
    void workersApplyTheSweepAndTheCurveIsTheirMeanLossPerIterationOnACopy() throws Exception {
        Network network = FashionMlp.create(784, 32, 10, 7);
        String before = network.paramsSha256();
        LrRange range = new LrRange(1e-4, 1, 29, true);
        Applied applied = new Applied();
        // 400 examples, 2 workers of batch 16: 13 iterations an epoch, so the 29 span three epochs; the last round
        // (iterations 26..29) trains one iteration past the sweep, which is not recorded
        RangeTestResult r = LrFinder.builder().setWorkers(2).setBatchSizePerWorker(16).optAveragingFrequency(4)
                .optMomentum(0.9).optRange(range).optObserver(applied).build().run(sc, network, fashion(400));
        assertEquals(before, network.paramsSha256(), "the user's network is not trained");
        assertEquals(29, r.points().size(), r.summary());
        assertEquals(StopReason.COMPLETE, r.stop());
        for (RangePoint p : r.points()) {
            List<AppliedStep> at = applied.steps.stream().filter(s -> s.iteration() == p.iteration()).toList();
            assertEquals(2, at.size(), "both workers trained iteration " + p.iteration());
            for (AppliedStep s : at) {
                assertEquals(range.lr(p.iteration()), s.lr(), 1e-9 * s.lr(), "lr of iteration " + p.iteration());
                assertEquals(0.9, s.momentum(), 1e-9);
            }
            assertEquals((at.get(0).score() + at.get(1).score()) / 2, p.loss(), 0.0);
        }
        assertTrue(applied.steps.stream().mapToLong(AppliedStep::iteration).max().orElseThrow() >= 29,
                "the last round ran on past the sweep: " + applied.steps.size());
        assertEquals(3, r.suggestions().size(), r.summary());

        RangeTestResult driver = LrFinder.builder().setWorkers(2).setBatchSizePerWorker(16).optAveragingFrequency(4)
                .optMomentum(0.9).optRange(range).optAveraging(AveragingPath.DRIVER).build()
                .run(sc, network, fashion(400));
        assertEquals(r, driver, "seeded: the same curve again, on the job-per-round path too");
    }

    @Test
    void aDivergingTestStopsAfterTheRoundThatDiverged() throws Exception {
        Applied applied = new Applied();
        RangeTestResult r = LrFinder.builder().setWorkers(2).setBatchSizePerWorker(16).optAveragingFrequency(2)
                .optRange(new LrRange(1e-3, 1e4, 60, true)).optAveraging(AveragingPath.DRIVER).optObserver(applied)
                .build().run(sc, FashionMlp.create(784, 32, 10, 7), fashion(400));
        assertTrue(r.stop() != StopReason.COMPLETE, r.summary());
        int last = r.points().size() - 1;
        assertTrue(last < 59, r.summary());
        long trained = applied.steps.stream().mapToLong(AppliedStep::iteration).max().orElseThrow();
        assertTrue(trained <= last + 1, "no round reported after the one that diverged: trained to " + trained
                + ", stopped at " + last);
    }

    /**
     * Least squares {@code L(w) = mean((x.w + b - y)^2)} with plain SGD: gradient descent diverges once
     * {@code lr > 2 / lambda_max}, lambda_max the largest eigenvalue of the Hessian {@code (2/n) sum x~ x~^T}
     * (x~ = (x, 1)). The smoothed loss lags, so the test stops a few sweep steps past the bound: at most 8 steps
     * (the error then grows at least {@code |1 - lr lambda|^2 > 1.4^2} per step, from the noise floor to 4 x the best
     * smoothed loss through a weight of 1 - beta). {@code minimum/10} and {@code valley} (what {@code auto} takes)
     * are read from the falling part of the curve: below the bound, and above bound / 1000 (the loss falls
     * measurably only once {@code lr lambda} is not tiny). {@code steep} may lie a little past the bound: just
     * above it the top direction diverges slowly ({@code |1 - lr lambda_max|} near 1) while the others converge
     * fastest, so the loss still falls steeply; it must stay below 2 x the bound.
     */
    @Test
    void onLeastSquaresTheTestStopsJustPastTheDivergenceBoundAndSuggestsBelowIt() {
        int n = 2048;
        Random rnd = new Random(3);
        double[][] x = new double[n][2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = rnd.nextGaussian();
            x[i][1] = 3 * rnd.nextGaussian() + 1;
            y[i] = 2 * x[i][0] - 0.5 * x[i][1] + 0.3 + 0.1 * rnd.nextGaussian();
        }
        double bound = 2 / largestHessianEigenvalue(x);
        List<DataSet> data = new ArrayList<>();
        for (int i = 0; i < n; i += 64) {
            float[][] f = new float[64][2];
            float[][] l = new float[64][1];
            for (int j = 0; j < 64; j++) {
                f[j][0] = (float) x[i + j][0];
                f[j][1] = (float) x[i + j][1];
                l[j][0] = (float) y[i + j];
            }
            data.add(new DataSet(Nd4j.create(f), Nd4j.create(l)));
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Sgd(0.01)).list().layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).nIn(2).nOut(1).build()).build();
        MultiLayerNetwork mln = new MultiLayerNetwork(conf);
        mln.init();
        RangeTestResult r = LrFinder.builder().setWorkers(2).setBatchSizePerWorker(64).optAveragingFrequency(1)
                .build().run(sc, Network.of(mln), sc.parallelize(data, 2));
        String what = r.summary() + "; bound 2/lambda_max = " + bound;
        double stepRatio = Math.pow(1e8, 1 / 99.0);
        assertTrue(r.stop() == StopReason.DIVERGED || r.stop() == StopReason.NOT_FINITE, what);
        assertTrue(r.lastLr() > bound && r.lastLr() < bound * Math.pow(stepRatio, 8), what);
        for (String name : List.of(Suggestions.MINIMUM, Suggestions.VALLEY)) {
            Suggestion s = r.suggestion(name).orElseThrow();
            assertTrue(s.lr() < bound && s.lr() > bound / 1000, name + " " + s.lr() + ": " + what);
        }
        double steep = r.suggestion(Suggestions.STEEP).orElseThrow().lr();
        assertTrue(steep < 2 * bound && steep > bound / 1000, "steep " + steep + ": " + what);
        System.out.println("least squares: " + what);
    }

    /** Power iteration on {@code (2/n) sum x~ x~^T}, x~ = (x0, x1, 1). */
    private static double largestHessianEigenvalue(double[][] x) {
        double[][] h = new double[3][3];
        for (double[] row : x) {
            double[] v = {row[0], row[1], 1};
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    h[a][b] += 2.0 * v[a] * v[b] / x.length;
                }
            }
        }
        double[] v = {1, 1, 1};
        double lambda = 0;
        for (int it = 0; it < 1000; it++) {
            double[] w = new double[3];
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    w[a] += h[a][b] * v[b];
                }
            }
            lambda = Math.sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
            for (int a = 0; a < 3; a++) {
                v[a] = w[a] / lambda;
            }
        }
        return lambda;
    }
}
