package dev.onecycle.job;

import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.ModelCycle;
import dev.onecycle.data.DataFormat;
import dev.onecycle.data.DataOptions;
import dev.onecycle.data.DataSource;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledData;
import dev.onecycle.data.TrainTestData;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.gpu.GpuSupport;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.lrfind.Suggestion;
import dev.onecycle.lrfind.Suggestions;
import dev.onecycle.run.CheckpointedFit;
import dev.onecycle.run.GracefulStop;
import dev.onecycle.run.RangeTest;
import dev.onecycle.run.ResumeDecision;
import dev.onecycle.run.RunCheckpoints;
import dev.onecycle.run.RunInputException;
import dev.onecycle.run.RunNaming;
import dev.onecycle.run.RunSettings;
import dev.onecycle.run.RunStart;
import dev.onecycle.run.TrainingStoppedException;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.CheckpointWriteException;
import dev.onecycle.spark.DataSpread;
import dev.onecycle.spark.DriverData;
import dev.onecycle.spark.OneCycleTrainer;
import dev.onecycle.spark.TrainingPlan;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The main training job: Fashion-MNIST (or the data in {@code --data}) on the default MLP (or the model in
 * {@code --model-in}), trained over a slice of a 1cycle with {@link OneCycleTrainer}. After each epoch it
 * writes a checkpoint; with {@code --resume} it continues the same cycle from the newest valid one. Writes
 * {@code applied-schedule.csv}, {@code metrics.csv} and {@code model.zip} to the run folder, each renamed
 * into place only when complete.
 */
public final class TrainingJob {
    private final TrainingJobSettings settings;
    /** The library's settings: what the run engine reads. */
    private final RunSettings run;
    /** Where training starts: the engine's one resume decision, in the command line's words. */
    private final ResumeDecision decision;
    private final PrintWriter out;
    /** A stop asked by a signal, and the observers that carry it out (the engine's). */
    private final GracefulStop stop = new GracefulStop();

    public TrainingJob(TrainingJobSettings settings, PrintWriter out) {
        this.settings = settings;
        this.run = settings.run();
        this.out = out;
        this.decision = new ResumeDecision(run, RunNaming.FLAGS, this::log);
    }

    /** What a finished job produced. */
    public record Result(TrainingPlan plan, double testAccuracy, Path runDir) {
    }

    /** Data, model and folders, loaded and checked before Spark starts. */
    public static final class Prepared {
        private final LabeledData train;
        private final LabeledData test;
        private final int classes;
        private final String source;
        private final Network network;
        private final RunFolder run;
        private final CheckpointStore store;
        /** The outermost folder of the run dir this run created (null: it existed), removed again on a refusal. */
        private final Path createdRunDir;
        /** The checkpoint dir did not exist before this run (the lock creates it), removed again on a refusal. */
        private final boolean createdCheckpointDir;
        private final Configuration hadoop;
        /** The cycle {@code --model-in} carries and this run continues, or null (a new model, or a new cycle). */
        private ModelCycle continued;

        private Prepared(TrainTestData data, Network network, RunFolder run, CheckpointStore store,
                Path createdRunDir, boolean createdCheckpointDir, Configuration hadoop) {
            this.train = data.train();
            this.test = data.test();
            this.classes = data.classes();
            String source = data.source();
            this.source = source + " (" + data.format().id() + ")";
            this.network = network;
            this.run = run;
            this.store = store;
            this.createdRunDir = createdRunDir;
            this.createdCheckpointDir = createdCheckpointDir;
            this.hadoop = hadoop;
        }

        /** The checkpoint folder's file system. */
        private FileSystem checkpointFs() throws IOException {
            return store.dir().getFileSystem(hadoop);
        }

        /**
         * After a refusal (exit 2: nothing written): removes the folders this run created, when they hold nothing
         * (what a refused run wrote in them is removed before; anything else keeps them).
         */
        private void discardCreatedFolders() {
            if (store != null && createdCheckpointDir) {
                try {
                    FileSystem fs = checkpointFs();
                    if (fs.exists(store.dir()) && fs.listStatus(store.dir()).length == 0) {
                        fs.delete(store.dir(), false);
                    }
                } catch (IOException | RuntimeException e) {
                    // best effort: an empty folder is left
                }
            }
            if (createdRunDir != null) {
                for (Path d = run.path().toAbsolutePath(); d != null && d.startsWith(createdRunDir); d = d.getParent()) {
                    try {
                        Files.deleteIfExists(d);
                    } catch (IOException e) {
                        return; // not empty (something else is in it), or not removable: leave it and its parents
                    }
                }
            }
        }
    }

    /**
     * Loads and checks everything the user gave (data, model, folders) before any Spark job, so bad input fails
     * fast with a {@link RunInputException} and nothing is written. {@code spark} is only called for data
     * formats read through Spark (LIBSVM, Parquet).
     */
    public Prepared prepare(Configuration hadoop, Supplier<SparkSession> spark) {
        String gpu = GpuSupport.hostRefusal(); // the CUDA build on a GPU it cannot run: say so now
        if (gpu != null) {
            throw new RunInputException(gpu);
        }
        TrainTestData data = loadData(hadoop, spark);
        if (settings.maxExamples() > 0) {
            data = data.headTrain(settings.maxExamples());
        }
        if (settings.workers() > 0) {
            checkEnoughExamples(settings.workers(), "--workers " + settings.workers(), data.train().size());
        }
        Network network = loadModel(data);
        checkModelFitsData(network, data.test(), data.classes(),
                settings.modelIn() == null ? "the model" : "--model-in " + settings.modelIn());
        // with --workers the iterations per epoch are known now; else once Spark gives its parallelism
        ModelCycle continued = settings.modelIn() == null ? null : decision.continuedCycle(network, modelGiven(),
                settings.workers() > 0 ? DataSpread.itersPerEpoch(data.train().size(), settings.workers(),
                        settings.batchSizePerWorker()) : 0);
        Path runDir = Paths.get(settings.runDir());
        RunFolder.check(runDir, settings.overwrite() || settings.resume());
        if (settings.lrMaxAuto()) {
            LrFindRun.checkOutputs(runDir, settings.overwrite() || settings.resume());
        }
        CheckpointStore store = RunCheckpoints.open(run, hadoop, RunNaming.FLAGS);
        if (store != null) {
            List<String> outputs = RunFolder.outputsIn(runDir);
            if (settings.resume() && !settings.overwrite() && !outputs.isEmpty() && candidates(store).isEmpty()) {
                // --resume never implies --overwrite: nothing here continues the run whose outputs these are
                throw new RunInputException("--resume: --run-dir " + runDir + " already holds "
                        + String.join(", ", outputs) + " from an earlier run, and --checkpoint-dir " + store.dir()
                        + " holds no checkpoint (epoch-NNNN) to continue it; give that run's --checkpoint-dir, "
                        + "use a new --run-dir, or add --overwrite to replace its outputs");
            }
        }
        Path createdRunDir = null;
        for (Path d = runDir.toAbsolutePath(); d != null && !Files.exists(d); d = d.getParent()) {
            createdRunDir = d;
        }
        boolean createdCheckpointDir = false;
        if (store != null) {
            try {
                createdCheckpointDir = !store.dir().getFileSystem(hadoop).exists(store.dir());
            } catch (IOException e) {
                throw new RunInputException("--checkpoint-dir " + store.dir() + ": " + RunCheckpoints.rootMessage(e),
                        e);
            }
        }
        RunFolder folder = RunFolder.open(runDir, settings.overwrite() || settings.resume());
        Prepared prepared = new Prepared(data, network, folder, store, createdRunDir, createdCheckpointDir, hadoop);
        prepared.continued = continued;
        return prepared;
    }

    /** The checkpoints in {@code store}, newest first. */
    private static List<org.apache.hadoop.fs.Path> candidates(CheckpointStore store) {
        try {
            return store.candidates();
        } catch (IOException e) {
            throw new RunInputException("--checkpoint-dir " + store.dir() + ": " + RunCheckpoints.rootMessage(e), e);
        }
    }

    /** How the user gave the model to start from, for messages: {@code --model-in m.zip}. */
    private String modelGiven() {
        return JobSettings.MODEL_IN.flag() + " " + settings.modelIn();
    }

    /**
     * Asks a running job to stop (from a signal handler: any thread). It stops at the next averaging round or
     * when its running Spark job is cancelled, waits for a checkpoint write in flight, releases the lock and
     * throws a {@link TrainingStoppedException} saying where training stopped and how to continue.
     */
    public void requestStop(String signal) {
        stop.request(signal);
    }

    /**
     * True once training runs with checkpoints: a stop requested now finishes the Spark job in flight (one round,
     * or ~2 s of rounds on the barrier path), writes a checkpoint of that state and ends; the caller should not
     * cancel the Spark jobs. False before training starts, or without checkpoints: cancel them, nothing is lost.
     */
    public boolean stopsAtCheckpoint() {
        return stop.stopsAtCheckpoint();
    }

    /** The signal {@link #requestStop} was called with, or null. */
    public String stopRequested() {
        return stop.requested();
    }

    /** Every worker needs at least one example; refused before any partition is made from the count. */
    private void checkEnoughExamples(int workers, String whence, long examples) {
        if (workers <= examples) {
            return;
        }
        String what = settings.maxExamples() > 0 ? "--max-examples " + settings.maxExamples() + " leaves "
                + examples + " training example" + (examples == 1 ? "" : "s")
                : "the training data has " + examples + " example" + (examples == 1 ? "" : "s");
        throw new RunInputException(what + ", fewer than the " + workers + " workers (" + whence + "); every worker "
                + "needs at least one: " + (settings.maxExamples() > 0 ? "raise --max-examples or " : "")
                + "give --workers " + examples + " or fewer");
    }

    /**
     * Each averaging round every worker sends its parameters and updater state to the driver; more than
     * {@code spark.driver.maxResultSize} fails the job on Spark. Refused up front, naming the sizes.
     */
    private static void checkResultSize(Network network, int features, int workers, long maxResultSize) {
        if (maxResultSize <= 0) {
            return; // 0: unlimited
        }
        long params = network.params().length();
        INDArray state = network.updaterState();
        long values = params + (state == null ? params : state.length());
        long bytes = (long) workers * values * network.params().dataType().width();
        if (bytes > maxResultSize) {
            throw new RunInputException(String.format(Locale.ROOT, "the model has %,d parameters (%,d features in): "
                    + "one averaging round brings %d workers x %.1f MB of parameters and updater state to the "
                    + "driver, more than spark.driver.maxResultSize (%.1f MB); use fewer features or a smaller "
                    + "--hidden, fewer --workers, or raise spark.driver.maxResultSize", params, features, workers,
                    values * network.params().dataType().width() / 1e6, maxResultSize / 1e6));
        }
    }

    /**
     * Trains the slice (or what is left of it) on Spark and writes the run folder's outputs. A refusal (a
     * {@link RunInputException} or {@link InvalidParameterException}: bad input, exit 2)
     * leaves nothing behind: the run and checkpoint folders this run created are removed again, and a
     * {@code RESTARTS.json} it wrote is put back as it was.
     */
    public Result run(JavaSparkContext sc, Prepared p) throws IOException {
        try {
            return train(sc, p);
        } catch (RuntimeException e) {
            if (isRefusal(e)) {
                p.discardCreatedFolders();
            }
            throw e;
        }
    }

    /** Bad input found while running: what the command line reports with exit 2, having written nothing. */
    static boolean isRefusal(Throwable e) {
        return CheckpointedFit.isRefusal(e);
    }

    private Result train(JavaSparkContext sc, Prepared p) throws IOException {
        if (stop.requested() != null) {
            throw stop.stopped(run, p.store, false, RunNaming.FLAGS);
        }
        RunStart start = decision.decide(p.store, p.network, p.continued, modelGiven(), p.train.size(),
                sc.defaultParallelism(), (network, what) -> checkModelFitsData(network, p.test, p.classes, what));
        // before any Spark job: no partitions from a worker count the data cannot feed, no round too big to collect
        checkEnoughExamples(start.workers(), settings.workers() > 0 ? "--workers " + settings.workers()
                : start.from() != null ? "the workers of " + start.from().name()
                : "Spark's default parallelism for --master " + sc.master(), p.train.size());
        checkResultSize(start.network(), p.train.features(), start.workers(),
                sc.getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g"));
        start.checkSlice(run, p.train.size(), RunNaming.FLAGS);
        out.printf(Locale.ROOT, "data: %s (%d training examples, %d test examples)%n", p.source, p.train.size(),
                p.test.size());
        CheckpointedFit fit = new CheckpointedFit(run, RunNaming.FLAGS, stop, this::log, out)
                .withRestartLimit(settings.maxRestarts(), JobSettings.MAX_RESTARTS.flag()).keepTrainingOnFailedWrites();
        return fit.run(p.store, p.hadoop, start, p.run, session -> {
            long firstIteration = start.from() == null ? -1 : start.from().state().iteration();
            RunRecorder recorder;
            try {
                recorder = new RunRecorder(p.run, p.test.toDataSets(500, p.classes), out,
                        start.from() == null ? -1 : start.startEpoch(), firstIteration,
                        previousRows("applied-schedule.csv"), previousRows("metrics.csv"));
            } catch (IOException e) { // a full disk: name the folder
                throw new IOException("could not write applied-schedule.csv and metrics.csv in " + p.run.path() + " ("
                        + e.getMessage() + ")", e);
            }
            try (recorder) {
                if (start.complete(run)) {
                    log("the slice [" + run.startEpoch() + ", " + run.endEpoch() + ") is already complete at "
                            + start.from().name() + "; writing its outputs");
                    return finish(p, start.network(), recorder, null);
                }
                OneCycleTrainer.Builder builder = session.trainer(new ConsoleProgress(out, 2.0), recorder);
                TrainingPlan plan;
                try (DriverData train = new DriverData(sc, p.train, p.classes, start.workers())) {
                    builder.setPolicy(start.policy() != null ? start.policy() : lrMaxFromRangeTest(sc, p, start, train));
                    plan = builder.build().fit(sc, start.network(), train);
                }
                Result result = finish(p, start.network(), recorder, plan);
                List<String> failed = session.checkpointer() == null ? List.of() : session.checkpointer().failedWrites();
                if (!failed.isEmpty()) {
                    // only checkpoints failed (a full disk): the trained model is saved; say what is missing
                    int before = failed.size() - 1;
                    throw new CheckpointWriteException(new IOException(failed.get(before)
                            + (before == 0 ? "; training went on without it"
                                    : before == 1 ? "; the checkpoint before it failed too; training went on without them"
                                    : "; the " + before + " checkpoints before it failed too; training went on without "
                                            + "them")
                            + ": the trained model and outputs are saved in " + p.run.path()));
                }
                return result;
            }
        });
    }

    /** Rows of a CSV of the job that wrote {@code --model-in}, when it sits next to the model (for the plot). */
    private List<String> previousRows(String name) {
        if (settings.modelIn() == null) {
            return List.of();
        }
        Path csv = Paths.get(settings.modelIn()).toAbsolutePath().resolveSibling(name);
        try {
            List<String> lines = Files.exists(csv) ? Files.readAllLines(csv) : List.of();
            return lines.isEmpty() ? lines : lines.subList(1, lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    private Result finish(Prepared p, Network network, RunRecorder recorder, TrainingPlan plan) throws IOException {
        Path model = p.run.temporary("model.zip");
        p.run.checkWrite();
        try {
            network.save(model.toFile());
            p.run.commit(model, "model.zip");
        } catch (IOException e) {
            Files.deleteIfExists(model);
            throw new IOException("could not write " + p.run.resolve("model.zip") + " (" + e.getMessage() + ")", e);
        }
        recorder.commit();
        out.printf(Locale.ROOT, "done: test accuracy %.4f; wrote %s%n", recorder.lastAccuracy(), p.run.path());
        out.flush();
        return new Result(plan, recorder.lastAccuracy(), p.run.path());
    }

    /**
     * {@code --lr-max auto} on a fresh start: the range test with this training's workers and data (its
     * outputs in the run folder), and the policy with its {@link dev.onecycle.lrfind.Suggestions#AUTO} suggestion.
     */
    private OneCyclePolicy lrMaxFromRangeTest(JavaSparkContext sc, Prepared p, RunStart start, DriverData train)
            throws IOException {
        RangeTestResult r = LrFindRun.run(sc, run, start.network(), train, start.workers(),
                p.run, out, List.of(stop.atRounds()), Suggestions.AUTO);
        Suggestion chosen = RangeTest.auto(r, RunNaming.FLAGS);
        log(String.format(Locale.ROOT, "lr-max auto: %s (the range test's %s suggestion, read at lr %s of the curve); "
                + "recorded in every checkpoint, so a resumed run keeps it", chosen.lr(), chosen.name(),
                chosen.pointLr()));
        return run.policyWithLrMax(chosen.lr());
    }

    /** Runs {@code onecycle lr-find}: the range test alone, on the data and model {@link #prepare} loaded. */
    public RangeTestResult findLr(JavaSparkContext sc, Prepared p) throws IOException {
        try {
            return rangeTest(sc, p);
        } catch (RuntimeException e) {
            if (isRefusal(e)) {
                p.discardCreatedFolders();
            }
            throw e;
        }
    }

    private RangeTestResult rangeTest(JavaSparkContext sc, Prepared p) throws IOException {
        int workers = settings.workers() > 0 ? settings.workers() : sc.defaultParallelism();
        checkEnoughExamples(workers, settings.workers() > 0 ? "--workers " + settings.workers()
                : "Spark's default parallelism for --master " + sc.master(), p.train.size());
        checkResultSize(p.network, p.train.features(), workers,
                sc.getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g"));
        out.printf(Locale.ROOT, "data: %s (%d training examples)%n", p.source, p.train.size());
        try (DriverData train = new DriverData(sc, p.train, p.classes, workers)) {
            return LrFindRun.run(sc, run, p.network, train, workers, p.run, out,
                    List.of(stop.atRounds()), null);
        } catch (TrainingStoppedException e) {
            throw new TrainingStoppedException(stop.requested(), "stopped by SIG" + stop.requested() + " during the "
                    + "range test; "
                    + "nothing was written: run the same command again");
        } catch (RuntimeException e) {
            if (stop.requested() != null) {
                throw new TrainingStoppedException(stop.requested(), "stopped by SIG" + stop.requested() + " during the range "
                        + "test; nothing was written: run the same command again");
            }
            throw e;
        }
    }

    private void log(String message) {
        out.println(message);
        out.flush();
    }

    private TrainTestData loadData(Configuration hadoop, Supplier<SparkSession> spark) {
        try {
            if (settings.dataDir() == null) {
                return TrainTestData.of(FashionMnist.load(null, hadoop));
            }
            DataFormat format = settings.dataFormat() == null ? null : DataFormat.parse(settings.dataFormat());
            DataOptions options = DataOptions.defaults().withLabelColumn(settings.labelColumn())
                    .withFeaturesColumn(settings.featuresColumn());
            return DataSource.resolve(settings.dataDir(), format, options, hadoop).load(spark);
        } catch (IOException | IllegalArgumentException e) {
            throw new RunInputException(JobSettings.DATA.flag() + ": " + String.valueOf(e.getMessage()).replaceAll(
                    "\\b" + DataSource.FORMAT_PARAMETER + "\\b", JobSettings.DATA_FORMAT.flag()), e);
        }
    }

    private Network loadModel(TrainTestData data) {
        if (settings.modelIn() == null) {
            try {
                return settings.network().create(data.features(), run.hiddenUnits(), data.classes(), run.seed());
            } catch (IllegalArgumentException e) { // lenet on data that is not 28x28 images
                throw new RunInputException(Settings.NETWORK.flag() + " " + settings.network().id() + ": "
                        + e.getMessage(), e);
            }
        }
        File f = new File(settings.modelIn());
        if (!f.isFile()) {
            throw new RunInputException("--model-in " + f + " does not exist or is not a file");
        }
        try {
            return Network.restore(f);
        } catch (IOException e) {
            throw new RunInputException("--model-in " + e.getMessage(), e);
        }
    }

    /** One forward pass on a few test examples: a model of the wrong shape fails here, not on an executor. */
    private static void checkModelFitsData(Network network, LabeledData test, int classes, String what) {
        DataSet probe = test.head(2).toDataSets(2, classes).get(0);
        try {
            network.score(probe);
        } catch (RuntimeException e) {
            String reason = String.valueOf(e.getMessage()).split("\n", 2)[0];
            throw new RunInputException(what + " does not fit the data (" + test.features() + " features, "
                    + classes + " classes): " + reason, e);
        }
    }
}
