package dev.onecycle.cli;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.job.CrashLoopException;
import dev.onecycle.job.TrainingJob;
import dev.onecycle.job.TrainingJobSettings;
import dev.onecycle.job.TrainingStoppedException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scala.Tuple2;

/**
 * {@code onecycle train}: the main job. Trains epochs [start-epoch, start-epoch + epochs) of a tot-epochs 1cycle
 * on Spark with parameter averaging, and writes applied-schedule.csv, metrics.csv and model.zip to the run
 * folder. Every setting, the data and the model are checked before Spark starts.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a network over (a slice of) one 1cycle on Spark with parameter averaging.",
            "Default data: Fashion-MNIST (/usr/share/datasets/fashion-mnist when installed, else the 10k sample "
                    + "shipped in the jar); default model: a 784-256-10 MLP with Nesterov momentum."},
        footer = {"", "Examples:",
            "  onecycle train                                              # 5-epoch cycle on local[*]",
            "  onecycle train --tot-epochs 20 --epochs 8 --run-dir runs/a  # epochs 0..7 of a 20-epoch cycle",
            "  onecycle train --tot-epochs 20 --start-epoch 8 --model-in runs/a/model.zip --run-dir runs/b"})
public final class TrainCommand implements Callable<Integer> {
    /** Hidden units of the default model when {@code --hidden} is not given. */
    static final int DEFAULT_HIDDEN = 256;

    @Spec
    CommandSpec spec;

    @Option(names = "--properties-file", paramLabel = "FILE",
            description = "Spark properties file; its spark.onecycle.<flagInCamelCase> keys set this command's "
                    + "flags (e.g. spark.onecycle.lrMax 0.1), flags on the command line win. See conf/onecycle.conf.")
    String propertiesFile;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
            description = "Spark master when not set by spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--lr-max", paramLabel = "X|auto", defaultValue = "0.1",
            description = "Peak learning rate, or auto: run the learning-rate range test first (as lr-find) and take "
                    + "its minimum/10 suggestion; a resumed run takes the checkpoint's (default: ${DEFAULT-VALUE}).")
    String lrMax;

    @Mixin
    PolicyOptions policyOptions;

    @Mixin
    LrFindOptions lrFindOptions;

    @Option(names = "--tot-epochs", paramLabel = "N", defaultValue = "5", converter = Converters.WholeNumber.class,
            description = "Epochs in the whole cycle (default: ${DEFAULT-VALUE}).")
    int totEpochs;

    @Option(names = "--start-epoch", paramLabel = "S", defaultValue = "0", converter = Converters.WholeNumber.class,
            description = "Epoch of the cycle to start at (default: ${DEFAULT-VALUE}).")
    int startEpoch;

    @Option(names = "--epochs", paramLabel = "E", converter = Converters.WholeNumber.class,
            description = "Epochs to run now (default: to the end of the cycle).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", converter = Converters.WholeNumber.class,
            description = "Minibatch size per worker (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--averaging-frequency", paramLabel = "K", defaultValue = "4",
            converter = Converters.WholeNumber.class,
            description = "Minibatches per worker between parameter averagings (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--averaging", paramLabel = "auto|barrier|driver", defaultValue = "auto",
            description = "Where workers' states are averaged: barrier (many rounds per Spark job, averaged through the "
                    + "driver's RPC endpoint; needs a free task slot per worker), driver (one Spark job per round) or "
                    + "auto (barrier when it can run; default). Results are bitwise the same.")
    String averaging;

    @Option(names = "--workers", paramLabel = "W", converter = Converters.WholeNumber.class,
            description = "Workers training in parallel (default: Spark's default parallelism).")
    Integer workers;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42",
            description = "Seeds the model, the data order and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Output folder (default: runs/<date-time>).")
    String runDir;

    @Option(names = "--overwrite", description = "Replace the outputs of an earlier run in --run-dir.")
    boolean overwrite;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Where to write a checkpoint after each epoch; any Hadoop path (default: <run-dir>/checkpoints).")
    String checkpointDir;

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in --checkpoint-dir "
            + "(start at --start-epoch when there is none).")
    boolean resume;

    @Option(names = "--keep-checkpoints", paramLabel = "N", defaultValue = "3", converter = Converters.WholeNumber.class,
            description = "Checkpoints to keep; 0 writes none (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--max-restarts", paramLabel = "N", defaultValue = "3", converter = Converters.WholeNumber.class,
            description = "With --resume: give up after N restarts in a row that wrote no new checkpoint "
                    + "(a crash loop under --supervise) (default: ${DEFAULT-VALUE}).")
    int maxRestarts;

    @Option(names = "--accept-changed-settings",
            description = "With --resume: continue even though settings differ from the checkpoint's (the cycle is then not exact).")
    boolean acceptChangedSettings;

    @Option(names = "--model-in", paramLabel = "FILE",
            description = "Start from this DL4J model (model.zip of an earlier run) instead of a new one.")
    String modelIn;

    @Option(names = "--max-examples", paramLabel = "N", converter = Converters.WholeNumber.class,
            description = "Train on the first N training examples only.")
    Integer maxExamples;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder (any Hadoop path) with train-/t10k- images and labels in IDX format, gzip or not.")
    String data;

    @Option(names = "--data-format", paramLabel = "idx|libsvm|csv|parquet",
            description = "Format of --data (default: from the file name; a folder of IDX files is idx).")
    String dataFormat;

    @Option(names = "--label-column", paramLabel = "NAME", defaultValue = "label",
            description = "CSV/Parquet column holding the 0-based class index (default: ${DEFAULT-VALUE}).")
    String labelColumn;

    @Option(names = "--features-column", paramLabel = "NAME", defaultValue = "features",
            description = "Parquet vector column of features (default: ${DEFAULT-VALUE}).")
    String featuresColumn;

    @Option(names = "--hidden", paramLabel = "UNITS", converter = Converters.WholeNumber.class,
            description = "Hidden units of the default model (default: 256); not with --model-in, which brings its own.")
    Integer hidden;

    @Override
    public Integer call() throws Exception {
        return execute(settings(), spec.commandLine(), (job, sc, prepared) -> job.run(sc, prepared));
    }

    /** What runs inside {@link #execute}: the training, or lr-find's range test. */
    interface JobBody {
        void run(TrainingJob job, JavaSparkContext sc, TrainingJob.Prepared prepared) throws Exception;
    }

    /**
     * Runs {@code body} with the job's Spark session, stop signals (SIGTERM, SIGINT) and exit codes, printing to
     * {@code cl}'s streams: {@code train}'s, and {@code lr-find}'s.
     */
    int execute(TrainingJobSettings settings, picocli.CommandLine cl, JobBody body) throws Exception {
        java.io.PrintWriter out = cl.getOut();
        SparkConf conf = new SparkConf().setAppName("onecycle-spark").setIfMissing("spark.master", master)
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        TrainingJob job = new TrainingJob(settings, out);
        SparkSession[] session = new SparkSession[1];
        Supplier<SparkSession> spark = () -> {
            if (session[0] == null) {
                session[0] = SparkSession.builder().config(conf).getOrCreate();
            }
            return session[0];
        };
        StopSignals signals = StopSignals.install(signal -> {
            job.requestStop(signal);
            SparkSession s = session[0];
            if (s != null) {
                s.sparkContext().cancelAllJobs(); // the running round fails at once; the job then stops cleanly
            }
        }, cl.getErr());
        try (signals) {
            TrainingJob.Prepared prepared = job.prepare(hadoopConfiguration(conf), spark);
            body.run(job, JavaSparkContext.fromSparkContext(spark.get().sparkContext()), prepared);
        } catch (TrainingStoppedException e) {
            return stopped(cl, e.signal(), e.getMessage());
        } catch (CrashLoopException e) {
            // Under --supervise the standalone master relaunches a driver that exits non-zero, forever: exit 0
            // there so the loop ends; the message (and RESTARTS.json) says it failed.
            boolean supervised = conf.getBoolean("spark.driver.supervise", false);
            cl.getErr().println(CliErrors.PREFIX + "giving up: " + e.getMessage()
                    + (supervised ? " (exit code 0 so that --supervise stops relaunching the driver)" : ""));
            cl.getErr().flush();
            return supervised ? Main.EXIT_OK : Main.EXIT_FAILURE;
        } catch (Exception e) { // SparkException included: checked, but thrown undeclared from Scala
            if (job.stopRequested() != null) { // stopped while loading the data, before training and its lock
                return stopped(cl, job.stopRequested(), "stopped by SIG" + job.stopRequested() + " before training "
                        + "started; nothing was written: run the same command again to start");
            }
            throw e;
        } finally {
            if (session[0] != null) {
                session[0].stop();
            }
        }
        return Main.EXIT_OK;
    }

    private static int stopped(picocli.CommandLine cl, String signal, String message) {
        cl.getErr().println(CliErrors.PREFIX + message);
        cl.getErr().flush();
        return StopSignals.exitCode(signal);
    }

    /** Every setting checked (policy and slice bounds) before anything is loaded. */
    TrainingJobSettings settings() {
        boolean auto = LR_MAX_AUTO.equals(lrMax.trim());
        dev.onecycle.lrfind.LrRange range = lrFindOptions.range();
        // with auto, the policy's other settings are checked now with the sweep's end as a placeholder lrMax
        OneCyclePolicy policy = policyOptions.policy(auto ? range.endLr() : lrMaxValue());
        int e = epochs != null ? epochs : Math.max(1, totEpochs - startEpoch);
        // itersPerEpoch comes from the data later; 1 checks the epoch bounds now.
        CycleSlice.builder().optTotEpochs(totEpochs).optStartEpoch(startEpoch).setEpochs(e).setItersPerEpoch(1)
                .build();
        if (!master.matches("local(\\[([0-9]+|\\*)(,[0-9]+)?\\])?|spark://.+|yarn|k8s://.+|mesos://.+")) {
            throw new CliErrors.UsageException("--master", "expected local[*], local[N], spark://host:port, yarn or "
                    + "k8s://https://host:port, got '" + master + "'");
        }
        positive("--batch-size", batchSize);
        positive("--averaging-frequency", averagingFrequency);
        if (hidden != null) {
            positive("--hidden", hidden);
            if (modelIn != null) {
                throw new CliErrors.UsageException("--hidden", "sets the width of a new model, but --model-in "
                        + modelIn + " brings its own; drop --hidden (or --model-in)");
            }
        }
        if (workers != null) {
            positive("--workers", workers);
        }
        if (keepCheckpoints < 0) {
            throw new CliErrors.UsageException("--keep-checkpoints", "must be >= 0, got " + keepCheckpoints);
        }
        if (maxRestarts < 0) {
            throw new CliErrors.UsageException("--max-restarts", "must be >= 0, got " + maxRestarts);
        }
        if (resume && keepCheckpoints == 0) {
            throw new CliErrors.UsageException("--resume", "needs checkpoints: drop --keep-checkpoints 0");
        }
        if (maxExamples != null) {
            positive("--max-examples", maxExamples);
        }
        if (dataFormat != null) {
            try {
                dev.onecycle.data.DataFormat.parse(dataFormat);
            } catch (IllegalArgumentException bad) {
                throw new CliErrors.UsageException("--data-format", bad.getMessage());
            }
        }
        String dir = runDir != null ? runDir
                : "runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return new TrainingJobSettings(policy, totEpochs, startEpoch, e, batchSize, averagingFrequency,
                workers == null ? 0 : workers, seed, dir, modelIn, maxExamples == null ? 0 : maxExamples, data,
                hidden == null ? DEFAULT_HIDDEN : hidden, overwrite, checkpointDir, resume, keepCheckpoints, acceptChangedSettings, dataFormat,
                labelColumn, featuresColumn, maxRestarts, averagingPath(), auto, range);
    }

    /** {@code --lr-max auto}. */
    static final String LR_MAX_AUTO = "auto";

    /** A number for the policy builder to judge ({@code lrMax must be finite and > 0}); else neither number nor auto. */
    private double lrMaxValue() {
        try {
            return Double.parseDouble(lrMax.trim());
        } catch (NumberFormatException e) {
            throw new CliErrors.UsageException("--lr-max", "expected a positive number or auto, got '" + lrMax + "'");
        }
    }

    private dev.onecycle.spark.AveragingPath averagingPath() {
        try {
            return dev.onecycle.spark.AveragingPath.parse(averaging);
        } catch (dev.onecycle.schedule.InvalidParameterException bad) {
            throw new CliErrors.UsageException("--averaging", "must be auto, barrier or driver, got '" + averaging + "'");
        }
    }

    private static void positive(String flag, int value) {
        if (value <= 0) {
            throw new CliErrors.UsageException(flag, "must be > 0, got " + value);
        }
    }

    /** Hadoop settings as Spark would give them: {@code spark.hadoop.*} keys from the Spark configuration. */
    private static Configuration hadoopConfiguration(SparkConf conf) {
        Configuration hadoop = new Configuration();
        for (Tuple2<String, String> kv : conf.getAll()) {
            if (kv._1().startsWith("spark.hadoop.")) {
                hadoop.set(kv._1().substring("spark.hadoop.".length()), kv._2());
            }
        }
        return hadoop;
    }

}
