package dev.onecycle.cli;

import dev.onecycle.checkpoint.LockLostException;
import dev.onecycle.dl4j.BuiltInNetwork;
import dev.onecycle.job.JobSettings;
import dev.onecycle.job.TrainingJob;
import dev.onecycle.job.TrainingJobSettings;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.run.CrashLoopException;
import dev.onecycle.run.RunNaming;
import dev.onecycle.run.RunRules;
import dev.onecycle.run.TrainingStoppedException;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scala.Tuple2;

/**
 * {@code onecycle train}: the main job. Trains epochs [start-epoch, start-epoch + epochs) of a tot-epochs 1cycle
 * on Spark with parameter averaging, and writes applied-schedule.csv, metrics.csv and model.zip to the run
 * folder. Every setting, the data and the model are checked before Spark starts. The settings' flags are made
 * from their declarations ({@link JobSettings#TRAIN}, {@link SettingOptions}).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = SettingOptions.Train.class,
        description = {"Train a network over (a slice of) one 1cycle on Spark with parameter averaging.",
            "Default data: Fashion-MNIST (/usr/share/datasets/fashion-mnist when installed, else the 10k sample "
                    + "shipped in the jar); default model: a 784-256-10 MLP with Nesterov momentum."},
        footer = {"", "Examples:",
            "  onecycle train                                              # 5-epoch cycle on local[*]",
            "  onecycle train --tot-epochs 20 --epochs 8 --run-dir runs/a  # epochs 0..7 of a 20-epoch cycle",
            "  onecycle train --tot-epochs 20 --start-epoch 8 --model-in runs/a/model.zip --run-dir runs/b"})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--properties-file", paramLabel = "FILE",
            description = "Spark properties file; its spark.onecycle.<flagInCamelCase> keys set this command's "
                    + "flags (e.g. spark.onecycle.lrMax 0.1), flags on the command line win. See conf/onecycle.conf.")
    String propertiesFile;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
            description = "Spark master when not set by spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Override
    public Integer call() throws Exception {
        return execute(settings(spec), spec.commandLine(), (job, sc, prepared) -> job.run(sc, prepared));
    }

    /** What runs inside {@link #execute}: the training, or lr-find's range test. */
    interface JobBody {
        void run(TrainingJob job, JavaSparkContext sc, TrainingJob.Prepared prepared) throws Exception;
    }

    /**
     * Runs {@code body} with the job's Spark session, stop signals (SIGTERM, SIGINT) and exit codes, printing to
     * {@code cl}'s streams: {@code train}'s, and {@code lr-find}'s.
     */
    int execute(TrainingJobSettings settings, CommandLine cl, JobBody body) throws Exception {
        PrintWriter out = cl.getOut();
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
            if (s != null && !job.stopsAtCheckpoint()) {
                s.sparkContext().cancelAllJobs(); // the running round fails at once; the job then stops cleanly
            } // else the job finishes the Spark job in flight, writes a checkpoint of it and stops
        }, cl.getErr());
        try (signals) {
            TrainingJob.Prepared prepared = job.prepare(hadoopConfiguration(conf), spark);
            body.run(job, JavaSparkContext.fromSparkContext(spark.get().sparkContext()), prepared);
        } catch (TrainingStoppedException e) {
            if (e.atCheckpoint()) {
                cl.getErr().println(CliErrors.PREFIX + e.getMessage());
                cl.getErr().flush();
                return Main.EXIT_STOPPED_AT_CHECKPOINT;
            }
            return stopped(cl, e.signal(), e.getMessage());
        } catch (LockLostException e) {
            cl.getErr().println(CliErrors.PREFIX + e.getMessage());
            cl.getErr().flush();
            return Main.EXIT_FENCED;
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

    private static int stopped(CommandLine cl, String signal, String message) {
        cl.getErr().println(CliErrors.PREFIX + message);
        cl.getErr().flush();
        return StopSignals.exitCode(signal);
    }

    /** Every setting checked (policy and slice bounds) before anything is loaded. */
    TrainingJobSettings settings() {
        return settings(spec);
    }

    /**
     * The settings given to {@code command} (this one, or one that mixes this in with train's flags: lr-find),
     * with the run's defaults filled in and every rule between them checked ({@link RunRules}, the estimator's too).
     */
    TrainingJobSettings settings(CommandSpec command) {
        SettingValues v = SettingOptions.values(command, JobSettings.TRAIN);
        boolean lrMaxAuto = JobSettings.LR_MAX_AUTO.equals(v.get(JobSettings.LR_MAX_OR_AUTO));
        LrRange range = Settings.lrRange(v); // the sweep's bounds together (end > start)
        // with auto, the policy is checked with the sweep's end as a placeholder lrMax (the job replaces it)
        v = v.with(Settings.LR_MAX, lrMaxAuto ? range.endLr() : Double.parseDouble(v.get(JobSettings.LR_MAX_OR_AUTO)));
        if (!master.matches("local(\\[([0-9]+|\\*)(,[0-9]+)?\\])?|spark://.+|yarn|k8s://.+|mesos://.+")) {
            throw new CliErrors.UsageException("--master", "expected local[*], local[N], spark://host:port, yarn or "
                    + "k8s://https://host:port, got '" + master + "'");
        }
        if (v.isGiven(Settings.HIDDEN) && v.isGiven(JobSettings.MODEL_IN)) {
            throw new CliErrors.UsageException(Settings.HIDDEN.flag(), "sets the width of a new model, but "
                    + JobSettings.MODEL_IN.flag() + " " + v.get(JobSettings.MODEL_IN) + " brings its own; drop "
                    + Settings.HIDDEN.flag() + " (or " + JobSettings.MODEL_IN.flag() + ")");
        }
        if (v.isGiven(Settings.NETWORK) && v.isGiven(JobSettings.MODEL_IN)) {
            throw new CliErrors.UsageException(Settings.NETWORK.flag(), "chooses a new model, but "
                    + JobSettings.MODEL_IN.flag() + " " + v.get(JobSettings.MODEL_IN) + " brings its own; drop "
                    + Settings.NETWORK.flag() + " (or " + JobSettings.MODEL_IN.flag() + ")");
        }
        if (v.isGiven(Settings.HIDDEN) && v.get(Settings.NETWORK) == BuiltInNetwork.LENET) {
            throw new CliErrors.UsageException(Settings.HIDDEN.flag(), "sets the MLP's width, but "
                    + Settings.NETWORK.flag() + " lenet has its own layers; drop " + Settings.HIDDEN.flag());
        }
        TrainingJobSettings settings = TrainingJobSettings.withDefaults(v, lrMaxAuto,
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunRules.check(settings.run(), RunNaming.FLAGS);
        return settings;
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
