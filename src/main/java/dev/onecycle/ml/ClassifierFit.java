package dev.onecycle.ml;

import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.ModelCycle;
import dev.onecycle.dl4j.FashionLeNet;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.run.CheckpointedFit;
import dev.onecycle.run.GracefulStop;
import dev.onecycle.run.RangeTest;
import dev.onecycle.run.ResumeDecision;
import dev.onecycle.run.RunCheckpoints;
import dev.onecycle.run.RunNaming;
import dev.onecycle.run.RunRules;
import dev.onecycle.run.RunSettings;
import dev.onecycle.run.RunStart;
import dev.onecycle.schedule.InvalidParameterException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link OneCycleClassifier#fit}, an adapter over the run engine ({@code dev.onecycle.run}), as
 * {@code onecycle train} is: the Params are the engine's settings, checked by its rules ({@link RunRules}); the
 * DataFrame is checked in one pass and the network made (or continued from {@code initialModel}); the engine
 * decides where training starts ({@link ResumeDecision}: the newest checkpoint with {@code resume}), opens and
 * checks the checkpoint folder ({@link RunCheckpoints}) and runs the checkpointed fit ({@link CheckpointedFit}).
 */
final class ClassifierFit {
    private static final Logger LOG = LoggerFactory.getLogger(OneCycleClassifier.class);
    /** The Param that brings a model to continue, as the engine's refusals name it. */
    private static final String INITIAL_MODEL = "initialModel";

    private final OneCycleClassifier est;
    private final RunSettings settings;

    ClassifierFit(OneCycleClassifier est) {
        this.est = est;
        this.settings = new RunSettings(est.settingValues());
    }

    OneCycleClassificationModel run(Dataset<?> dataset) {
        // the params first: nothing reads the data for a fit that cannot run
        RunRules.check(settings, RunNaming.PARAMS);
        ResumeDecision decision = new ResumeDecision(settings, RunNaming.PARAMS, ClassifierFit::log);
        OneCycleClassificationModel initial = est.getInitialModel();
        ModelCycle cycle = null;
        if (initial != null) {
            checkSameNetwork(initial.network());
            cycle = decision.continuedCycle(initial.network(), INITIAL_MODEL, 0);
        }
        FrameExamples examples = FrameExamples.check(dataset, est.getFeaturesCol(), est.getLabelCol());
        if (initial != null && (initial.numFeatures() != examples.features()
                || initial.numClasses() != examples.classes())) {
            throw new InvalidParameterException(INITIAL_MODEL, "must fit the data (" + examples.features()
                    + " features, " + examples.classes() + " classes)", initial.numFeatures() + " features, "
                    + initial.numClasses() + " classes");
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        int workersGiven = settings.workers();
        Network network = network(initial, examples, workersGiven > 0 ? workersGiven : sc.defaultParallelism(), sc);
        probe(network, examples);
        CheckpointStore store = RunCheckpoints.open(settings, sc.hadoopConfiguration(), RunNaming.PARAMS);
        RunStart start;
        try {
            start = decision.decide(store, network, cycle, INITIAL_MODEL, examples.count(), sc.defaultParallelism(),
                    (checkpointed, what) -> probe(checkpointed, examples));
        } catch (IOException e) {
            throw new UncheckedIOException("checkpointDir " + settings.checkpointDir() + ": " + e.getMessage(), e);
        }
        if (start.workers() > examples.count()) {
            throw new InvalidParameterException("workers", "must be at most the " + examples.count()
                    + " rows to train on (every worker needs one)", start.workers());
        }
        OneCycleTrainingSummary.Recorder recorder = new OneCycleTrainingSummary.Recorder();
        if (start.complete(settings)) {
            LOG.info("the slice [{}, {}) is already complete at {}", settings.startEpoch(), settings.endEpoch(),
                    start.from().name());
            return model(start.network(), examples, recorder);
        }
        start.checkSlice(settings, examples.count(), RunNaming.PARAMS);
        // no signal stops a fit: the engine's stop is never asked for
        CheckpointedFit fit = new CheckpointedFit(settings, RunNaming.PARAMS, new GracefulStop(), ClassifierFit::log,
                logWriter()).releaseFailureWarns();
        try {
            return fit.run(store, sc.hadoopConfiguration(), start, CheckpointedFit.Outputs.NONE, session -> {
                session.trainer(recorder).build().fit(sc, start.network(), examples.dataSets());
                return model(start.network(), examples, recorder);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("checkpointDir " + settings.checkpointDir() + ": " + e.getMessage(), e);
        }
    }

    /** The engine's account of the fit, to the log: what it skipped or changed as a warning. */
    private static void log(String message) {
        if (message.startsWith("checkpoints: skipping") || message.startsWith("checkpoints: continuing with changed")
                || message.startsWith("checkpoints: could not")) {
            LOG.warn("{}", message);
        } else {
            LOG.info("{}", message);
        }
    }

    /**
     * The learning-rate range test on {@code dataset} with this estimator's network, workers, batch, averaging and
     * seed, momentum held at the policy's first value ({@link RangeTest}); trains a copy and throws it away.
     */
    RangeTestResult findLr(Dataset<?> dataset, LrRange range) {
        settings.policy();
        OneCycleClassificationModel initial = est.getInitialModel();
        if (initial != null) {
            checkSameNetwork(initial.network());
        }
        FrameExamples examples = FrameExamples.check(dataset, est.getFeaturesCol(), est.getLabelCol());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        int workers = settings.workers() > 0 ? settings.workers() : sc.defaultParallelism();
        Network network = network(initial, examples, workers, sc);
        probe(network, examples);
        if (workers > examples.count()) {
            throw new InvalidParameterException("workers", "must be at most the " + examples.count()
                    + " rows to train on (every worker needs one)", workers);
        }
        return RangeTest.finder(settings, workers, range).build().run(sc, network, examples.dataSets());
    }

    private OneCycleClassificationModel model(Network network, FrameExamples examples,
            OneCycleTrainingSummary.Recorder recorder) {
        return new OneCycleClassificationModel(est.uid(), network, examples.features(), examples.classes(),
                recorder.summary());
    }

    /**
     * With an initial model, {@code network} and {@code hidden} describe nothing new (a copy of the estimator of
     * the first part keeps them): refused only when they describe another network than the model's.
     */
    private void checkSameNetwork(Network initial) {
        if (est.isSet(est.network()) && !OneCycleClassifier.MLP.equals(est.getNetwork())) {
            throw new InvalidParameterException("network", "describes a new network, but initialModel brings its "
                    + "own; unset network (or initialModel)", abbreviate(est.getNetwork()));
        }
        if (est.isSet(est.hidden()) && !initial.isGraph()) {
            Layer first = ((MultiLayerNetwork) initial.model()).getLayerWiseConfigurations().getConf(0).getLayer();
            long units = first instanceof FeedForwardLayer ? ((FeedForwardLayer) first).getNOut() : -1;
            if (units != est.getHidden()) {
                throw new InvalidParameterException("hidden", "must match initialModel's hidden layer (" + units
                        + " units) or be unset: initialModel brings its own network", est.getHidden());
            }
        }
    }

    /**
     * The network to train (a copy of the initial model's, or a new one), once the memory it and the densified
     * rows need is known to fit: the built-in network's size is known before it is built.
     */
    private Network network(OneCycleClassificationModel initial, FrameExamples examples, int workers,
            JavaSparkContext sc) {
        String spec = est.getNetwork();
        boolean mlp = initial == null && OneCycleClassifier.MLP.equals(spec);
        if (initial != null || mlp) {
            long params = initial != null ? initial.network().params().length()
                    : TrainingMemory.mlpParameters(examples.features(), est.getHidden(), examples.classes());
            TrainingMemory.check(est.getFeaturesCol(), examples.count(), examples.features(), examples.classes(),
                    params, workers, sc.sc());
            return initial != null ? initial.network().copy()
                    : FashionMlp.create(examples.features(), est.getHidden(), examples.classes(), est.getSeed());
        }
        TrainingMemory.check(est.getFeaturesCol(), examples.count(), examples.features(), examples.classes(), 0,
                workers, sc.sc());
        Network network = buildNetwork(spec, examples.features(), examples.classes());
        TrainingMemory.check(est.getFeaturesCol(), examples.count(), examples.features(), examples.classes(),
                network.params().length(), workers, sc.sc());
        return network;
    }

    /** {@code lenet} (refused, naming the rule, on rows that are not 784 features) or a configuration JSON. */
    private Network buildNetwork(String spec, int features, int classes) {
        if (!OneCycleClassifier.LENET.equals(spec)) {
            return NetworkSpecs.build(spec);
        }
        try {
            return FashionLeNet.create(features, classes, est.getSeed());
        } catch (IllegalArgumentException e) {
            throw new InvalidColumnException("featuresCol", est.getFeaturesCol(), e.getMessage()
                    .replace("--network mlp", "network 'mlp'"));
        }
    }

    /** One forward pass on the first rows: a network of the wrong shape fails here, not on an executor. */
    private static void probe(Network network, FrameExamples examples) {
        DataSet probe = examples.dataSets().take(1).get(0);
        try {
            network.score(probe);
        } catch (RuntimeException e) {
            throw new InvalidParameterException("network", "must fit the data (" + examples.features()
                    + " features in, " + examples.classes() + " classes out): "
                    + String.valueOf(e.getMessage()).split("\\R", 2)[0], network.isGraph() ? "a graph" : "a network");
        }
    }

    /** The checkpointer's progress lines, to the log. */
    private static PrintWriter logWriter() {
        return new PrintWriter(new Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(char[] cbuf, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    if (cbuf[i] == '\n') {
                        LOG.info("{}", line);
                        line.setLength(0);
                    } else {
                        line.append(cbuf[i]);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
