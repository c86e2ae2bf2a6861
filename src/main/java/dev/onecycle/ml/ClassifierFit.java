package dev.onecycle.ml;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointLockedException;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.ModelCycle;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.spark.DataSpread;
import dev.onecycle.spark.DivergenceGuard;
import dev.onecycle.spark.EpochCheckpointer;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.EpochProgress;
import dev.onecycle.spark.OneCycleTrainer;
import dev.onecycle.spark.LrFinder;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.lrfind.RangeTestResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link OneCycleClassifier#fit}: the params checked, the DataFrame checked in one pass, the network made
 * (or continued from {@code initialModel}, or from the newest checkpoint with {@code resume}), then trained with
 * {@link OneCycleTrainer} (checkpoints after each epoch when {@code checkpointDir} is set).
 */
final class ClassifierFit {
    private static final Logger LOG = LoggerFactory.getLogger(OneCycleClassifier.class);

    private final OneCycleClassifier est;

    ClassifierFit(OneCycleClassifier est) {
        this.est = est;
    }

    OneCycleClassificationModel run(Dataset<?> dataset) {
        // the params first: nothing reads the data for a fit that cannot run
        OneCyclePolicy policy = est.policy();
        est.slice(1);
        AveragingPath averaging = AveragingPath.parse(est.getAveraging());
        OneCycleClassificationModel initial = est.getInitialModel();
        ModelCycle cycle = null;
        if (initial != null) {
            checkSameNetwork(initial.network());
            cycle = continuedCycle(initial.network(), policy, 0);
        }
        if (est.getResume() && est.getCheckpointDir() == null) {
            throw new InvalidParameterException("resume", "needs checkpointDir (where the checkpoints are)", true);
        }
        if (est.getResume() && est.getKeepCheckpoints() == 0) {
            throw new InvalidParameterException("resume", "needs checkpoints: keepCheckpoints is 0", true);
        }
        FrameExamples examples = FrameExamples.check(dataset, est.getFeaturesCol(), est.getLabelCol());
        if (initial != null && (initial.numFeatures() != examples.features()
                || initial.numClasses() != examples.classes())) {
            throw new InvalidParameterException("initialModel", "must fit the data (" + examples.features()
                    + " features, " + examples.classes() + " classes)", initial.numFeatures() + " features, "
                    + initial.numClasses() + " classes");
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        int workersGiven = est.getWorkers();
        Network network = network(initial, examples, workersGiven > 0 ? workersGiven : sc.defaultParallelism(), sc);
        probe(network, examples);
        int start = est.getStartEpoch();
        int end = est.getStartEpoch() + est.getEpochs();
        if (cycle != null && !est.getResume()) {
            // the cycle's position is epoch * itersPerEpoch: continuing it needs the same count per epoch
            continuedCycle(initial.network(), policy, DataSpread.itersPerEpoch(examples.count(),
                    workersGiven > 0 ? workersGiven : sc.defaultParallelism(), est.getBatchSize()));
        }
        CheckpointStore store = null;
        Checkpoint from = null;
        if (est.getCheckpointDir() != null && est.getKeepCheckpoints() > 0) {
            store = openStore(sc);
            from = est.getResume() ? newestCheckpoint(store) : null;
        }
        int workers = workersGiven > 0 ? workersGiven : from != null ? from.state().workers() : sc.defaultParallelism();
        if (workers > examples.count()) {
            throw new InvalidParameterException("workers", "must be at most the " + examples.count()
                    + " rows to train on (every worker needs one)", workers);
        }
        if (cycle != null && est.getResume() && from == null) {
            // no checkpoint yet: the fit starts from initialModel after all
            continuedCycle(initial.network(), policy, DataSpread.itersPerEpoch(examples.count(), workers,
                    est.getBatchSize()));
        }
        EpochProgress inEpoch = null;
        if (from != null) {
            checkSameSettings(from, policy, workers, examples.count());
            network = loadCheckpoint(store, from);
            start = from.state().epoch();
            inEpoch = EpochProgress.of(from.state());
            LOG.info("resuming from {}: {} of {} epochs done{}", from.path(), start, est.getTotEpochs(),
                    inEpoch == null ? "" : " and " + inEpoch.roundsDone() + " rounds of the next");
        }
        OneCycleTrainingSummary.Recorder recorder = new OneCycleTrainingSummary.Recorder();
        if (start >= end) {
            LOG.info("the slice [{}, {}) is already complete at {}", est.getStartEpoch(), end, from.name());
            return model(network, examples, recorder);
        }
        // the real itersPerEpoch: the trainer's plan checks the same after counting
        policy.schedule(est.slice(DataSpread.itersPerEpoch(examples.count(), workers, est.getBatchSize())));
        OneCycleTrainer.Builder builder = OneCycleTrainer.builder().setPolicy(policy).setTotEpochs(est.getTotEpochs())
                .optStartEpoch(start).optEpochs(end - start).setWorkers(workers)
                .setBatchSizePerWorker(est.getBatchSize()).optAveragingFrequency(est.getAveragingFrequency())
                .optAveraging(averaging).optSeed(est.getSeed()).optRecordedSettings(est.settingValues())
                .optObserver(new DivergenceGuard()).optObserver(recorder);
        if (from != null && !est.getAcceptChangedSettings()) {
            builder.optExpectedItersPerEpoch(from.state().itersPerEpoch());
        }
        if (inEpoch != null) {
            builder.optResumeInEpoch(inEpoch);
        }
        CheckpointLock lock = null;
        EpochCheckpointer checkpointer = null;
        try {
            if (store != null) {
                lock = lock(store);
                store.cleanTemporaries();
                checkpointer = new EpochCheckpointer(store, lock, est.getKeepCheckpoints(), logWriter(),
                        CheckpointCadence.of(est.settingValues()));
                builder.optObserver(checkpointer);
            }
            builder.build().fit(sc, network, examples.dataSets());
            return model(network, examples, recorder);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpointDir " + est.getCheckpointDir() + ": " + e.getMessage(), e);
        } finally {
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException e) {
                    LOG.warn("could not release {}/LOCK: {}", store.dir(), e.getMessage());
                }
            }
        }
    }

    /**
     * The learning-rate range test on {@code dataset} with this estimator's network, workers, batch, averaging and
     * seed, momentum held at the policy's first value; trains a copy and throws it away (nothing is fitted).
     */
    RangeTestResult findLr(Dataset<?> dataset, LrRange range) {
        OneCyclePolicy policy = est.policy();
        OneCycleClassificationModel initial = est.getInitialModel();
        if (initial != null) {
            checkSameNetwork(initial.network());
        }
        FrameExamples examples = FrameExamples.check(dataset, est.getFeaturesCol(), est.getLabelCol());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        int workers = est.getWorkers() > 0 ? est.getWorkers() : sc.defaultParallelism();
        Network network = network(initial, examples, workers, sc);
        probe(network, examples);
        if (workers > examples.count()) {
            throw new InvalidParameterException("workers", "must be at most the " + examples.count()
                    + " rows to train on (every worker needs one)", workers);
        }
        return LrFinder.builder().setWorkers(workers).setBatchSizePerWorker(est.getBatchSize())
                .optAveragingFrequency(est.getAveragingFrequency()).optAveraging(AveragingPath.parse(est.getAveraging()))
                .optSeed(est.getSeed()).optMomentum(policy.maxMomentum()).optRange(range).build()
                .run(sc, network, examples.dataSets());
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
            org.deeplearning4j.nn.conf.layers.Layer first = ((MultiLayerNetwork) initial.model())
                    .getLayerWiseConfigurations().getConf(0).getLayer();
            long units = first instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer
                    ? ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) first).getNOut() : -1;
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
            return dev.onecycle.dl4j.FashionLeNet.create(features, classes, est.getSeed());
        } catch (IllegalArgumentException e) {
            throw new InvalidColumnException("featuresCol", est.getFeaturesCol(), e.getMessage()
                    .replace("--network mlp", "network 'mlp'"));
        }
    }

    /**
     * The cycle {@code initial} carries, when this fit continues it; null when it carries none (a fresh start)
     * or newCycle asks for a new one. Refuses a fit that would silently restart or reshape the model's cycle.
     * {@code itersPerEpoch} 0: not known yet (before the data is counted).
     */
    private ModelCycle continuedCycle(Network initial, OneCyclePolicy policy, int itersPerEpoch) {
        ModelCycle cycle = ModelCycle.of(initial).orElse(null);
        if (cycle == null || est.getNewCycle()) {
            return null;
        }
        java.util.function.Function<dev.onecycle.settings.Setting<?>, String> named = dev.onecycle.settings.Setting::name;
        List<String> differences = cycle.differences(policy, est.getTotEpochs(), est.getStartEpoch(), itersPerEpoch,
                named);
        if (cycle.finished() || !differences.isEmpty()) {
            throw new InvalidParameterException("initialModel", cycle.refusal("", differences, named,
                    "set newCycle true").substring(1), "startEpoch " + est.getStartEpoch() + ", totEpochs "
                    + est.getTotEpochs());
        }
        return cycle;
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

    private CheckpointStore openStore(JavaSparkContext sc) {
        try {
            CheckpointStore store = CheckpointStore.open(est.getCheckpointDir(), sc.hadoopConfiguration());
            store.checkUsable();
            List<org.apache.hadoop.fs.Path> existing = store.candidates();
            if (!est.getResume() && !existing.isEmpty()) {
                throw new InvalidParameterException("checkpointDir", "already holds checkpoints (newest "
                        + existing.get(0).getName() + "); set resume to continue that fit, or use another checkpointDir",
                        store.dir());
            }
            return store;
        } catch (IOException e) {
            throw new InvalidParameterException("checkpointDir", "must be a usable folder (" + e.getMessage() + ")",
                    est.getCheckpointDir());
        }
    }

    private Checkpoint newestCheckpoint(CheckpointStore store) {
        try {
            boolean any = !store.candidates().isEmpty();
            Checkpoint c = store.newestValid(m -> LOG.warn("checkpoints: {}", m)).orElse(null);
            if (c == null && any) {
                throw new InvalidParameterException("resume", "found no valid checkpoint in " + store.dir()
                        + " (see the log for why each was skipped); fix or remove them, or use another checkpointDir",
                        true);
            }
            if (c == null) {
                LOG.info("no checkpoint in {} yet: starting at epoch {}", store.dir(), est.getStartEpoch());
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("checkpointDir " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /** Refuses to resume with other settings than the checkpoint's, unless acceptChangedSettings. */
    private void checkSameSettings(Checkpoint from, OneCyclePolicy policy, int workers, long examples) {
        CheckpointState s = from.state();
        // what this fit's checkpoints would record, and the data it counts
        SettingValues now = Settings.trained(policy, est.getTotEpochs(), workers, est.getBatchSize(),
                est.getAveragingFrequency(), est.getSeed(), est.settingValues());
        int ipe = DataSpread.itersPerEpoch(examples, workers, est.getBatchSize());
        List<String> differences = s.differencesFrom(now, ipe, examples);
        if (!differences.isEmpty() && !est.getAcceptChangedSettings()) {
            throw new InvalidParameterException("resume", "needs the settings of " + from.path() + " ("
                    + String.join("; ", differences) + "); set them back, or set acceptChangedSettings", true);
        }
        if (!differences.isEmpty()) {
            LOG.warn("checkpoints: continuing with changed settings: {}", String.join("; ", differences));
        }
        List<String> layout = s.dataOrderDifferencesFrom(now, ipe, examples);
        if (s.midEpoch() != null && !layout.isEmpty()) {
            throw new InvalidParameterException("resume", "continues the mid-epoch checkpoint " + from.path()
                    + " only with the same data order and rounds (" + String.join("; ", layout) + "); set them back, "
                    + "or move the epoch-NNNN-round-RRRR folders away to resume from the last epoch-end checkpoint",
                    true);
        }
    }

    private static Network loadCheckpoint(CheckpointStore store, Checkpoint from) {
        try {
            return store.loadModel(from);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private CheckpointLock lock(CheckpointStore store) throws IOException {
        try {
            return store.lock(CheckpointLock.staleAfter(), m -> LOG.info("checkpoints: {}", m));
        } catch (CheckpointLockedException e) {
            throw new InvalidParameterException("checkpointDir", "is in use: " + e.getMessage(), store.dir());
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
