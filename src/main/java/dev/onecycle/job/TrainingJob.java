package dev.onecycle.job;

import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.CheckpointWriteException;
import dev.onecycle.spark.DataSpread;
import dev.onecycle.spark.DivergenceGuard;
import dev.onecycle.spark.DriverData;
import dev.onecycle.spark.EpochCheckpointer;
import dev.onecycle.spark.EpochProgress;
import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.OneCycleTrainer;
import dev.onecycle.spark.RoundState;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointLockedException;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.CorruptCheckpointException;
import dev.onecycle.checkpoint.LockLostException;
import dev.onecycle.data.DataFormat;
import dev.onecycle.data.DataOptions;
import dev.onecycle.data.DataSource;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledData;
import dev.onecycle.data.TrainTestData;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
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
    private final PrintWriter out;
    private volatile String stopSignal;
    /** True while training runs with checkpoints: a stop then ends at the next round boundary, at a checkpoint. */
    private volatile boolean stopsAtCheckpoint;
    /** Set when a graceful stop's checkpoint was begun (its name); the stop then counts as no failure. */
    private volatile String stopCheckpoint;

    public TrainingJob(TrainingJobSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
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
        private dev.onecycle.checkpoint.ModelCycle continued;

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
        private org.apache.hadoop.fs.FileSystem checkpointFs() throws IOException {
            return store.dir().getFileSystem(hadoop);
        }

        /**
         * After a refusal (exit 2: nothing written): removes the folders this run created, when they hold nothing
         * (what a refused run wrote in them is removed before; anything else keeps them).
         */
        private void discardCreatedFolders() {
            if (store != null && createdCheckpointDir) {
                try {
                    org.apache.hadoop.fs.FileSystem fs = checkpointFs();
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
                        java.nio.file.Files.deleteIfExists(d);
                    } catch (IOException e) {
                        return; // not empty (something else is in it), or not removable: leave it and its parents
                    }
                }
            }
        }
    }

    /**
     * Loads and checks everything the user gave (data, model, folders) before any Spark job, so bad input fails
     * fast with a {@link JobInputException} and nothing is written. {@code spark} is only called for data
     * formats read through Spark (LIBSVM, Parquet).
     */
    public Prepared prepare(Configuration hadoop, Supplier<SparkSession> spark) {
        String gpu = dev.onecycle.gpu.GpuSupport.hostRefusal(); // the CUDA build on a GPU it cannot run: say so now
        if (gpu != null) {
            throw new JobInputException(gpu);
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
        dev.onecycle.checkpoint.ModelCycle continued = continuedCycle(network, settings.workers() > 0
                ? DataSpread.itersPerEpoch(data.train().size(), settings.workers(), settings.batchSizePerWorker()) : 0);
        Path runDir = Paths.get(settings.runDir());
        RunFolder.check(runDir, settings.overwrite() || settings.resume());
        if (settings.lrMaxAuto()) {
            LrFindRun.checkOutputs(runDir, settings.overwrite() || settings.resume());
        }
        CheckpointStore store = null;
        if (settings.keepCheckpoints() > 0) {
            List<org.apache.hadoop.fs.Path> existing;
            try {
                store = CheckpointStore.open(settings.checkpointDirOrDefault(), hadoop);
                store.checkUsable();
                existing = store.candidates();
            } catch (IOException | RuntimeException e) { // Hadoop reports an unknown host as IllegalArgumentException
                throw new JobInputException("--checkpoint-dir " + settings.checkpointDirOrDefault() + ": "
                        + rootMessage(e), e);
            }
            if (!settings.resume() && !existing.isEmpty()) {
                throw new JobInputException("--checkpoint-dir " + store.dir() + " already holds checkpoints (newest "
                        + existing.get(0).getName() + "); add --resume to continue that run, or use "
                        + "another --checkpoint-dir / --run-dir");
            }
            List<String> outputs = RunFolder.outputsIn(runDir);
            if (settings.resume() && !settings.overwrite() && existing.isEmpty() && !outputs.isEmpty()) {
                // --resume never implies --overwrite: nothing here continues the run whose outputs these are
                throw new JobInputException("--resume: --run-dir " + runDir + " already holds "
                        + String.join(", ", outputs) + " from an earlier run, and --checkpoint-dir " + store.dir()
                        + " holds no checkpoint (epoch-NNNN) to continue it; give that run's --checkpoint-dir, "
                        + "use a new --run-dir, or add --overwrite to replace its outputs");
            }
        }
        Path createdRunDir = null;
        for (Path d = runDir.toAbsolutePath(); d != null && !java.nio.file.Files.exists(d); d = d.getParent()) {
            createdRunDir = d;
        }
        boolean createdCheckpointDir = false;
        if (store != null) {
            try {
                createdCheckpointDir = !store.dir().getFileSystem(hadoop).exists(store.dir());
            } catch (IOException e) {
                throw new JobInputException("--checkpoint-dir " + store.dir() + ": " + rootMessage(e), e);
            }
        }
        RunFolder run = RunFolder.open(runDir, settings.overwrite() || settings.resume());
        Prepared prepared = new Prepared(data, network, run, store, createdRunDir, createdCheckpointDir, hadoop);
        prepared.continued = continued;
        return prepared;
    }

    /**
     * The cycle {@code --model-in} carries, when this run continues it; null for a new model, a model without
     * one, or with {@code --new-cycle}. Refuses a run that would silently restart or reshape the model's cycle
     * (the rule of the estimator's initialModel). {@code itersPerEpoch} 0: not known yet (before the workers are).
     */
    private dev.onecycle.checkpoint.ModelCycle continuedCycle(Network network, int itersPerEpoch) {
        if (settings.modelIn() == null || settings.newCycle()) {
            return null;
        }
        dev.onecycle.checkpoint.ModelCycle cycle = dev.onecycle.checkpoint.ModelCycle.of(network).orElse(null);
        if (cycle == null) {
            return null;
        }
        // --lr-max auto continues with the model's lrMax (the range test is not run on trained weights)
        OneCyclePolicy policy = settings.lrMaxAuto() ? settings.policyWithLrMax(cycle.policy().lrMax())
                : settings.policy();
        java.util.function.Function<dev.onecycle.settings.Setting<?>, String> named = dev.onecycle.settings.Setting::flag;
        List<String> differences = cycle.differences(policy, settings.totEpochs(), settings.startEpoch(),
                itersPerEpoch, named);
        if (cycle.finished() || !differences.isEmpty()) {
            throw new JobInputException(cycle.refusal(JobSettings.MODEL_IN.flag() + " " + settings.modelIn(),
                    differences, named, "add " + Settings.NEW_CYCLE.flag()));
        }
        return cycle;
    }

    /**
     * Asks a running job to stop (from a signal handler: any thread). It stops at the next averaging round or
     * when its running Spark job is cancelled, waits for a checkpoint write in flight, releases the lock and
     * throws a {@link TrainingStoppedException} saying where training stopped and how to continue.
     */
    public void requestStop(String signal) {
        stopSignal = signal;
    }

    /**
     * True once training runs with checkpoints: a stop requested now finishes the Spark job in flight (one round,
     * or ~2 s of rounds on the barrier path), writes a checkpoint of that state and ends; the caller should not
     * cancel the Spark jobs. False before training starts, or without checkpoints: cancel them, nothing is lost.
     */
    public boolean stopsAtCheckpoint() {
        return stopsAtCheckpoint;
    }

    /** The signal {@link #requestStop} was called with, or null. */
    public String stopRequested() {
        return stopSignal;
    }

    /** Every worker needs at least one example; refused before any partition is made from the count. */
    private void checkEnoughExamples(int workers, String whence, long examples) {
        if (workers <= examples) {
            return;
        }
        String what = settings.maxExamples() > 0 ? "--max-examples " + settings.maxExamples() + " leaves "
                + examples + " training example" + (examples == 1 ? "" : "s")
                : "the training data has " + examples + " example" + (examples == 1 ? "" : "s");
        throw new JobInputException(what + ", fewer than the " + workers + " workers (" + whence + "); every worker "
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
        org.nd4j.linalg.api.ndarray.INDArray state = network.updaterState();
        long values = params + (state == null ? params : state.length());
        long bytes = (long) workers * values * network.params().dataType().width();
        if (bytes > maxResultSize) {
            throw new JobInputException(String.format(Locale.ROOT, "the model has %,d parameters (%,d features in): "
                    + "one averaging round brings %d workers x %.1f MB of parameters and updater state to the "
                    + "driver, more than spark.driver.maxResultSize (%.1f MB); use fewer features or a smaller "
                    + "--hidden, fewer --workers, or raise spark.driver.maxResultSize", params, features, workers,
                    values * network.params().dataType().width() / 1e6, maxResultSize / 1e6));
        }
    }

    /** The exception's first line, or an unknown host anywhere in its causes (Hadoop wraps it deeply). */
    static String rootMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.split("\\R", 2)[0].strip();
    }

    /**
     * Where training starts: the slice asked for, or the newest valid checkpoint when resuming, with the policy
     * to train (with {@code --lr-max auto} the checkpoint's lrMax or the range test's); {@code inEpoch} is how far
     * into {@code startEpoch} a mid-epoch checkpoint got (null at an epoch's start).
     */
    private record Start(Network network, int startEpoch, int workers, Checkpoint from, OneCyclePolicy policy,
            EpochProgress inEpoch) {
        Start(Network network, int startEpoch, int workers, Checkpoint from, OneCyclePolicy policy) {
            this(network, startEpoch, workers, from, policy, null);
        }

        int round() {
            return inEpoch == null ? 0 : inEpoch.roundsDone();
        }
    }

    /**
     * Trains the slice (or what is left of it) on Spark and writes the run folder's outputs. A refusal (a
     * {@link JobInputException} or {@link dev.onecycle.schedule.InvalidParameterException}: bad input, exit 2)
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
        return e instanceof JobInputException || e instanceof dev.onecycle.schedule.InvalidParameterException;
    }

    private Result train(JavaSparkContext sc, Prepared p) throws IOException {
        if (stopSignal != null) {
            throw stopped(p, new Position());
        }
        Start start = resolveStart(p, settings.workers() > 0 ? settings.workers() : 0, sc.defaultParallelism());
        // before any Spark job: no partitions from a worker count the data cannot feed, no round too big to collect
        checkEnoughExamples(start.workers, settings.workers() > 0 ? "--workers " + settings.workers()
                : start.from != null ? "the workers of " + start.from.name()
                : "Spark's default parallelism for --master " + sc.master(), p.train.size());
        checkResultSize(start.network, p.train.features(), start.workers,
                sc.getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g"));
        if (start.startEpoch < settings.endEpoch()) {
            // the slice and policy with the real itersPerEpoch (what the trainer's plan checks after counting)
            int ipe = DataSpread.itersPerEpoch(p.train.size(), start.workers, settings.batchSizePerWorker());
            long maxEpochs = Integer.MAX_VALUE / ipe;
            if (settings.totEpochs() > maxEpochs) { // CycleSlice would name itersPerEpoch, which train has no flag for
                throw new JobInputException(String.format(Locale.ROOT, "--tot-epochs %d: %d epochs of %d iterations "
                        + "(%d training examples over %d workers in batches of %d) are %d iterations, more than DL4J's "
                        + "iteration counter holds (%d); give --tot-epochs %d or fewer", settings.totEpochs(),
                        settings.totEpochs(), ipe, p.train.size(), start.workers, settings.batchSizePerWorker(),
                        (long) settings.totEpochs() * ipe, Integer.MAX_VALUE, maxEpochs));
            }
            (start.policy != null ? start.policy : settings.policy()).schedule(dev.onecycle.schedule.CycleSlice
                    .builder().optTotEpochs(settings.totEpochs())
                    .optStartEpoch(start.startEpoch).setEpochs(settings.endEpoch() - start.startEpoch)
                    .setItersPerEpoch(ipe).build());
        }
        out.printf(Locale.ROOT, "data: %s (%d training examples, %d test examples)%n", p.source, p.train.size(),
                p.test.size());
        CheckpointLock lock = null;
        if (p.store != null) {
            try {
                lock = p.store.lock(CheckpointLock.staleAfter(), m -> log("checkpoints: " + m));
            } catch (CheckpointLockedException e) {
                throw new JobInputException("--checkpoint-dir: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new IOException("could not take the lock " + p.store.dir() + "/LOCK (" + e.getMessage() + ")", e);
            }
        }
        EpochCheckpointer checkpointer = null;
        Position position = new Position();
        byte[] ledgerBefore = null;
        boolean ledgerRecorded = false;
        if (lock != null) {
            p.run.fenceWith(lock); // fencing: no write to the run folder once the lock is lost
        }
        try {
            if (p.store != null) {
                for (org.apache.hadoop.fs.Path t : p.store.cleanTemporaries()) {
                    log("checkpoints: removed the unfinished write " + t.getName());
                }
                int starts;
                try {
                    ledgerBefore = readLedger(p);
                    ledgerRecorded = true;
                    starts = p.store.recordStart(start.startEpoch, start.round());
                } catch (IOException e) {
                    throw new IOException("could not write " + p.store.dir() + "/RESTARTS.json (" + e.getMessage() + ")",
                            e);
                }
                int restarts = starts - 1;
                if (settings.resume() && restarts > settings.maxRestarts()) {
                    throw new CrashLoopException("the job has been restarted " + restarts + " times at " + at(start)
                            + " without writing a new checkpoint (limit --max-restarts "
                            + settings.maxRestarts() + "); it fails the same way every time: read the earlier "
                            + "drivers' logs, fix the cause, then delete " + p.store.dir() + "/RESTARTS.json or raise "
                            + "--max-restarts");
                }
                if (restarts > 0) {
                    log("checkpoints: restart " + restarts + " of at most " + settings.maxRestarts() + " at "
                            + at(start) + " without progress");
                }
            }
            long firstIteration = start.from == null ? -1 : start.from.state().iteration();
            RunRecorder recorder;
            try {
                recorder = new RunRecorder(p.run, p.test.toDataSets(500, p.classes), out,
                        start.from == null ? -1 : start.startEpoch, firstIteration, previousRows("applied-schedule.csv"),
                        previousRows("metrics.csv"));
            } catch (IOException e) { // a full disk: name the folder
                throw new IOException("could not write applied-schedule.csv and metrics.csv in " + p.run.path() + " ("
                        + e.getMessage() + ")", e);
            }
            try (recorder) {
                if (start.startEpoch >= settings.endEpoch()) {
                    log("the slice [" + settings.startEpoch() + ", " + settings.endEpoch() + ") is already complete at "
                            + start.from.name() + "; writing its outputs");
                    return finish(p, start.network, recorder, null);
                }
                if (p.store != null) {
                    checkpointer = new EpochCheckpointer(p.store, lock, settings.keepCheckpoints(), out,
                            settings.checkpointCadence()).keepTrainingOnFailedWrites();
                }
                OneCycleTrainer.Builder builder = OneCycleTrainer.builder().setPolicy(settings.policy())
                        .setTotEpochs(settings.totEpochs()).optStartEpoch(start.startEpoch)
                        .optEpochs(settings.endEpoch() - start.startEpoch).setWorkers(start.workers)
                        .setBatchSizePerWorker(settings.batchSizePerWorker())
                        .optAveragingFrequency(settings.averagingFrequency()).optAveraging(settings.averaging())
                        .optSeed(settings.seed()).optRecordedSettings(settings.values())
                        // first the stop and divergence checks: nothing records or saves a stopped or NaN round
                        .optObserver(new StopCheck(true)).optObserver(new DivergenceGuard())
                        .optObserver(new ConsoleProgress(out, 2.0)).optObserver(recorder).optObserver(position);
                if (start.from != null && !settings.acceptChangedSettings()) {
                    // the cycle's position is epoch * itersPerEpoch: a resumed part must count the same
                    builder.optExpectedItersPerEpoch(start.from.state().itersPerEpoch());
                }
                builder.optResumeInEpoch(start.inEpoch);
                if (checkpointer != null) {
                    builder.optObserver(checkpointer);
                    // inside an epoch, a stop writes a checkpoint of the state after the last averaged round
                    builder.optObserver(new GracefulStop(checkpointer));
                }
                // at an epoch's end, stop after its checkpoint was begun (it is finished below)
                builder.optObserver(new StopCheck(false));
                TrainingPlan plan;
                try (DriverData train = new DriverData(sc, p.train, p.classes, start.workers)) {
                    builder.setPolicy(start.policy != null ? start.policy : lrMaxFromRangeTest(sc, p, start, train));
                    plan = builder.build().fit(sc, start.network, train.rdd());
                }
                Result result = finish(p, start.network, recorder, plan);
                List<String> failed = checkpointer == null ? List.of() : checkpointer.failedWrites();
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
        } catch (Throwable e) { // SparkException is checked but thrown undeclared from Scala: catch it all
            stopsAtCheckpoint = false;
            if (lock != null && lock.lost() != null || e instanceof LockLostException) {
                // fenced: another job owns the folders now; touch nothing more (not even the run folder's
                // temporaries: the other job's have the same names); a checkpoint write in flight stops at its
                // next fence check and removes only its own temporary folder; one line says so
                if (checkpointer != null) {
                    checkpointer.finishQuietly();
                }
                if (lock != null && lock.lost() != null) {
                    throw lock.lostException();
                }
                throw e;
            }
            if (e instanceof CheckpointWriteException && checkpointer != null && !checkpointer.failedWrites().isEmpty()) {
                throw e; // the model was saved; only checkpoints are missing
            }
            String unfinished = checkpointer == null ? null : checkpointer.finishQuietly();
            if (unfinished == null && stopCheckpoint != null && checkpointer != null
                    && checkpointer.failed(stopCheckpoint)) {
                unfinished = "checkpoint " + stopCheckpoint + " could not be written";
            }
            if (unfinished != null && stopSignal != null) {
                log("checkpoints: " + unfinished);
            }
            p.run.discardTemporaries(hasCheckpoint(p));
            if (ledgerRecorded && isRefusal(e)) { // (still holding the lock) this start was refused: not a start
                restoreLedger(p, ledgerBefore);
            }
            if (stopSignal != null) {
                boolean atCheckpoint = stopCheckpoint != null && unfinished == null;
                if (atCheckpoint) {
                    try {
                        p.store.recordGracefulStop();
                    } catch (IOException ledger) {
                        log("checkpoints: could not record the graceful stop in " + p.store.dir()
                                + "/RESTARTS.json (" + ledger.getMessage() + ")");
                    }
                }
                throw stopped(p, position, atCheckpoint);
            }
            throw e;
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private static final String LEDGER = "RESTARTS.json";

    /** {@code RESTARTS.json}'s bytes, or null when there is none. */
    private static byte[] readLedger(Prepared p) throws IOException {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(p.store.dir(), LEDGER);
        org.apache.hadoop.fs.FileSystem fs = p.checkpointFs();
        if (!fs.exists(file)) {
            return null;
        }
        try (java.io.InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    /** Puts {@code RESTARTS.json} back as {@link #readLedger} found it (removes it when there was none). */
    private void restoreLedger(Prepared p, byte[] before) {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(p.store.dir(), LEDGER);
        try {
            org.apache.hadoop.fs.FileSystem fs = p.checkpointFs();
            if (before == null) {
                fs.delete(file, false);
            } else {
                try (java.io.OutputStream o = fs.create(file, true)) {
                    o.write(before);
                }
            }
        } catch (IOException | RuntimeException e) {
            log("checkpoints: could not put back " + file + " (" + e.getMessage() + ")");
        }
    }

    /** True when the checkpoint folder holds a checkpoint that a {@code --resume} would continue from. */
    private static boolean hasCheckpoint(Prepared p) {
        try {
            return p.store != null && !p.store.candidates().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code epoch 3} or {@code epoch 3 round 40}, for messages. */
    private static String at(Start start) {
        return "epoch " + start.startEpoch + (start.round() == 0 ? "" : " round " + start.round());
    }

    private TrainingStoppedException stopped(Prepared p, Position at) {
        return stopped(p, at, false);
    }

    /** Where a stopped job stood and how to continue it; {@code atCheckpoint}: it wrote one as it stopped. */
    private TrainingStoppedException stopped(Prepared p, Position at, boolean atCheckpoint) {
        String where = at.epoch < 0 ? "before training started"
                : String.format(Locale.ROOT, "in epoch %d/%d (after iteration %d)", at.epoch + 1, settings.totEpochs(),
                        at.iteration);
        String newest = null;
        if (p.store != null) {
            try {
                newest = p.store.newestValid(m -> { }).map(Checkpoint::name).orElse(null);
            } catch (IOException e) {
                newest = null;
            }
        }
        String how = newest != null ? (atCheckpoint && newest.equals(stopCheckpoint) ? "wrote checkpoint "
                : "the newest checkpoint is ") + newest + " in " + p.store.dir()
                + ": run the same command with --resume to continue from there"
                : "no checkpoint was written" + (p.store == null ? " (--keep-checkpoints 0)" : "")
                + ", so nothing is kept: run the same command again to start over";
        return new TrainingStoppedException(stopSignal, "stopped by SIG" + stopSignal + " " + where + "; " + how,
                atCheckpoint);
    }

    /** The position of the run, for the stop message. */
    private static final class Position implements TrainingObserver {
        private volatile int epoch = -1;
        private volatile long iteration = -1;

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<dev.onecycle.dl4j.AppliedStep> applied,
                double meanScore) {
            epoch = round.epoch();
            iteration = round.iterationOf(round.endStep()) - 1;
        }
    }

    /** Throws once {@link #requestStop} was called: after each round, or after each epoch's observers. */
    private final class StopCheck implements TrainingObserver {
        private final boolean atRound;

        StopCheck(boolean atRound) {
            this.atRound = atRound;
        }

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<dev.onecycle.dl4j.AppliedStep> applied,
                double meanScore) {
            if (atRound && stopSignal != null && !stopsAtCheckpoint) {
                throw new TrainingStoppedException(stopSignal, "stop requested");
            }
        }

        @Override
        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
            if (!atRound && stopSignal != null) {
                if (stopsAtCheckpoint) { // the epoch's checkpoint was begun just before
                    stopCheckpoint = dev.onecycle.checkpoint.CheckpointStore.nameFor(epoch.epoch() + 1);
                }
                throw new TrainingStoppedException(stopSignal, "stop requested");
            }
        }
    }

    /**
     * A graceful stop inside an epoch: at the first round boundary after the request, after the recorder has
     * the rounds' rows, writes a checkpoint of the averaged state there, waits for it, and ends training.
     */
    private final class GracefulStop implements TrainingObserver {
        private final EpochCheckpointer checkpointer;

        GracefulStop(EpochCheckpointer checkpointer) {
            this.checkpointer = checkpointer;
        }

        @Override
        public void onStart(TrainingPlan plan) {
            stopsAtCheckpoint = true;
        }

        @Override
        public void onRoundsAveraged(TrainingPlan plan, EpochProgress progress, Network network) {
            if (stopSignal != null) {
                stopCheckpoint = checkpointer.checkpointNow(plan, progress, network);
                throw new TrainingStoppedException(stopSignal, "stop requested");
            }
        }
    }

    /** Rows of a CSV of the job that wrote {@code --model-in}, when it sits next to the model (for the plot). */
    private List<String> previousRows(String name) {
        if (settings.modelIn() == null) {
            return List.of();
        }
        Path csv = Paths.get(settings.modelIn()).toAbsolutePath().resolveSibling(name);
        try {
            List<String> lines = java.nio.file.Files.exists(csv) ? java.nio.file.Files.readAllLines(csv) : List.of();
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
            java.nio.file.Files.deleteIfExists(model);
            throw new IOException("could not write " + p.run.resolve("model.zip") + " (" + e.getMessage() + ")", e);
        }
        recorder.commit();
        out.printf(Locale.ROOT, "done: test accuracy %.4f; wrote %s%n", recorder.lastAccuracy(), p.run.path());
        out.flush();
        return new Result(plan, recorder.lastAccuracy(), p.run.path());
    }

    /**
     * Without {@code --resume}: the slice asked for. With it: the newest valid checkpoint (corrupt newer ones are
     * reported and skipped), refused when its settings differ from this run's unless accepted; no checkpoint
     * at all starts the slice; only invalid ones stop the job (never a silent fresh start).
     */
    private Start resolveStart(Prepared p, int workersGiven, int defaultParallelism) throws IOException {
        if (!settings.resume()) {
            int workers = workersGiven > 0 ? workersGiven : defaultParallelism;
            return fresh(p, workers);
        }
        List<String> problems = new ArrayList<>();
        for (org.apache.hadoop.fs.Path candidate : p.store.candidates()) {
            Checkpoint c;
            Network network;
            try {
                c = p.store.verify(candidate);
                network = p.store.loadModel(c);
            } catch (CorruptCheckpointException e) {
                problems.add(e.getMessage());
                log("checkpoints: skipping " + e.getMessage());
                continue;
            }
            CheckpointState s = c.state();
            int workers = workersGiven > 0 ? workersGiven : s.workers();
            // --lr-max auto takes the lrMax the checkpoint recorded: it never differs, and the test is not re-run
            OneCyclePolicy policy = settings.lrMaxAuto() ? settings.policyWithLrMax(s.policy().lrMax())
                    : settings.policy();
            // what this run's checkpoints would record, and the data it counts
            SettingValues now = Settings.trained(policy, settings.totEpochs(), workers, settings.batchSizePerWorker(),
                    settings.averagingFrequency(), settings.seed(), settings.values());
            int ipe = DataSpread.itersPerEpoch(p.train.size(), workers, settings.batchSizePerWorker());
            List<String> differences = s.differencesFrom(now, ipe, p.train.size());
            if (!differences.isEmpty() && !settings.acceptChangedSettings()) {
                throw new JobInputException("--resume: " + c.path() + " was written with other settings ("
                        + String.join("; ", differences) + "); rerun with the checkpoint's settings, or add "
                        + "--accept-changed-settings to continue anyway");
            }
            if (!differences.isEmpty()) {
                log("checkpoints: continuing with changed settings: " + String.join("; ", differences));
            }
            checkModelFitsData(network, p.test, p.classes, "checkpoint " + c.path());
            if (s.midEpoch() != null) {
                List<String> layout = s.dataOrderDifferencesFrom(now, ipe, p.train.size());
                if (!layout.isEmpty()) {
                    throw new JobInputException("--resume: " + c.path() + " is a mid-epoch checkpoint, and its "
                            + "rounds only continue with the same data order and rounds (" + String.join("; ", layout)
                            + "); rerun with the checkpoint's settings, or move the epoch-NNNN-round-RRRR folders "
                            + "away to resume from the last epoch-end checkpoint");
                }
                log("resuming from " + c.path() + ": " + s.epoch() + " of " + s.totEpochs() + " epochs and "
                        + s.round() + " rounds of the next done (iteration " + s.iteration() + ")");
            } else {
                log("resuming from " + c.path() + ": " + s.epoch() + " of " + s.totEpochs() + " epochs done "
                        + "(iteration " + s.iteration() + ")");
            }
            if (settings.lrMaxAuto()) {
                log(String.format(Locale.ROOT, "lr-max auto: %s recorded lrMax %s; the range test is not run again",
                        c.name(), s.policy().lrMax()));
            }
            return new Start(network, s.epoch(), workers, c, policy, EpochProgress.of(s));
        }
        if (!problems.isEmpty()) {
            throw new JobInputException("--resume: no valid checkpoint in " + p.store.dir() + " (" + String.join("; ",
                    problems) + "); fix or remove them, or use another --checkpoint-dir to start afresh");
        }
        log("no checkpoint in " + p.store.dir() + " yet: starting at epoch " + settings.startEpoch());
        return fresh(p, workersGiven > 0 ? workersGiven : defaultParallelism);
    }

    /**
     * A start without a checkpoint: the slice asked for, from the new model or {@code --model-in}; a model whose
     * cycle this run continues must count the same iterations per epoch, and gives its lrMax to {@code --lr-max
     * auto}.
     */
    private Start fresh(Prepared p, int workers) {
        if (p.continued == null) {
            return new Start(p.network, settings.startEpoch(), workers, null, askedPolicy());
        }
        continuedCycle(p.network, DataSpread.itersPerEpoch(p.train.size(), workers, settings.batchSizePerWorker()));
        if (settings.lrMaxAuto()) {
            log(String.format(Locale.ROOT, "lr-max auto: --model-in %s continues its cycle with lrMax %s; the range "
                    + "test is not run", settings.modelIn(), p.continued.policy().lrMax()));
            return new Start(p.network, settings.startEpoch(), workers, null,
                    settings.policyWithLrMax(p.continued.policy().lrMax()));
        }
        return new Start(p.network, settings.startEpoch(), workers, null, askedPolicy());
    }

    /** The policy asked for, or null with {@code --lr-max auto} (the range test gives its lrMax). */
    private OneCyclePolicy askedPolicy() {
        return settings.lrMaxAuto() ? null : settings.policy();
    }

    /**
     * {@code --lr-max auto} on a fresh start: the range test with this training's workers and data (its
     * outputs in the run folder), and the policy with its {@link dev.onecycle.lrfind.Suggestions#AUTO} suggestion.
     */
    private OneCyclePolicy lrMaxFromRangeTest(JavaSparkContext sc, Prepared p, Start start, DriverData train)
            throws IOException {
        dev.onecycle.lrfind.RangeTestResult r = LrFindRun.run(sc, settings, start.network, train.rdd(), start.workers,
                p.run, out, List.of(new StopCheck(true)), dev.onecycle.lrfind.Suggestions.AUTO);
        dev.onecycle.lrfind.Suggestion chosen = LrFindRun.auto(r);
        log(String.format(Locale.ROOT, "lr-max auto: %s (the range test's %s suggestion, read at lr %s of the curve); "
                + "recorded in every checkpoint, so a resumed run keeps it", chosen.lr(), chosen.name(),
                chosen.pointLr()));
        return settings.policyWithLrMax(chosen.lr());
    }

    /** Runs {@code onecycle lr-find}: the range test alone, on the data and model {@link #prepare} loaded. */
    public dev.onecycle.lrfind.RangeTestResult findLr(JavaSparkContext sc, Prepared p) throws IOException {
        try {
            return rangeTest(sc, p);
        } catch (RuntimeException e) {
            if (isRefusal(e)) {
                p.discardCreatedFolders();
            }
            throw e;
        }
    }

    private dev.onecycle.lrfind.RangeTestResult rangeTest(JavaSparkContext sc, Prepared p) throws IOException {
        int workers = settings.workers() > 0 ? settings.workers() : sc.defaultParallelism();
        checkEnoughExamples(workers, settings.workers() > 0 ? "--workers " + settings.workers()
                : "Spark's default parallelism for --master " + sc.master(), p.train.size());
        checkResultSize(p.network, p.train.features(), workers,
                sc.getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g"));
        out.printf(Locale.ROOT, "data: %s (%d training examples)%n", p.source, p.train.size());
        try (DriverData train = new DriverData(sc, p.train, p.classes, workers)) {
            return LrFindRun.run(sc, settings, p.network, train.rdd(), workers, p.run, out,
                    List.of(new StopCheck(true)), null);
        } catch (TrainingStoppedException e) {
            throw new TrainingStoppedException(stopSignal, "stopped by SIG" + stopSignal + " during the range test; "
                    + "nothing was written: run the same command again");
        } catch (RuntimeException e) {
            if (stopSignal != null) {
                throw new TrainingStoppedException(stopSignal, "stopped by SIG" + stopSignal + " during the range "
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
            throw new JobInputException(JobSettings.DATA.flag() + ": " + String.valueOf(e.getMessage()).replaceAll(
                    "\\b" + DataSource.FORMAT_PARAMETER + "\\b", JobSettings.DATA_FORMAT.flag()), e);
        }
    }

    private Network loadModel(TrainTestData data) {
        if (settings.modelIn() == null) {
            try {
                return settings.network().create(data.features(), settings.hiddenUnits(), data.classes(), settings.seed());
            } catch (IllegalArgumentException e) { // lenet on data that is not 28x28 images
                throw new JobInputException(Settings.NETWORK.flag() + " " + settings.network().id() + ": "
                        + e.getMessage(), e);
            }
        }
        File f = new File(settings.modelIn());
        if (!f.isFile()) {
            throw new JobInputException("--model-in " + f + " does not exist or is not a file");
        }
        try {
            return Network.restore(f);
        } catch (IOException e) {
            throw new JobInputException("--model-in " + e.getMessage(), e);
        }
    }

    /** One forward pass on a few test examples: a model of the wrong shape fails here, not on an executor. */
    private static void checkModelFitsData(Network network, LabeledData test, int classes, String what) {
        DataSet probe = test.head(2).toDataSets(2, classes).get(0);
        try {
            network.score(probe);
        } catch (RuntimeException e) {
            String reason = String.valueOf(e.getMessage()).split("\n", 2)[0];
            throw new JobInputException(what + " does not fit the data (" + test.features() + " features, "
                    + classes + " classes): " + reason, e);
        }
    }
}
