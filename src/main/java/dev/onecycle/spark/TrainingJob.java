package dev.onecycle.spark;

import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledImages;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The main training job: Fashion-MNIST (or the data in {@code --data}) on the default MLP (or the model in
 * {@code --model-in}), trained over a slice of a 1cycle with {@link OneCycleTrainer}; writes
 * {@code applied-schedule.csv}, {@code metrics.csv} (test accuracy per epoch) and {@code model.zip} to the run
 * folder, each renamed into place only when complete.
 */
public final class TrainingJob {
    /** Examples per DataSet handed to Spark (the trainer re-spreads them one by one). */
    private static final int PARALLELIZE_CHUNK = 256;

    private final TrainingJobSettings settings;
    private final PrintWriter out;

    public TrainingJob(TrainingJobSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /** What a finished job produced. */
    public record Result(TrainingPlan plan, double testAccuracy, Path runDir) {
    }

    /** Data, model and run folder, loaded and checked before any Spark job starts. */
    public static final class Prepared {
        private final LabeledImages train;
        private final LabeledImages test;
        private final String source;
        private final Network network;
        private final RunFolder run;

        private Prepared(LabeledImages train, LabeledImages test, String source, Network network, RunFolder run) {
            this.train = train;
            this.test = test;
            this.source = source;
            this.network = network;
            this.run = run;
        }
    }

    /**
     * Loads and checks everything the user gave (data, model, run folder) without Spark, so bad input fails
     * fast with a {@link JobInputException} and nothing is written.
     */
    public Prepared prepare(Configuration hadoop) {
        FashionMnist data = loadData(hadoop);
        LabeledImages train = settings.maxExamples() > 0 ? data.train().head(settings.maxExamples()) : data.train();
        Network network = loadModel(train);
        checkModelFitsData(network, data.test());
        RunFolder run = RunFolder.open(Paths.get(settings.runDir()), settings.overwrite());
        return new Prepared(train, data.test(), data.source(), network, run);
    }

    /** Trains the slice on Spark and writes the run folder's outputs. */
    public Result run(JavaSparkContext sc, Prepared p) throws IOException {
        int workers = settings.workers() > 0 ? settings.workers() : sc.defaultParallelism();
        out.printf(Locale.ROOT, "data: %s (%d training examples, %d test examples)%n", p.source, p.train.size(),
                p.test.size());
        List<DataSet> test = p.test.toDataSets(500);
        try (RunRecorder recorder = new RunRecorder(p.run, test, out)) {
            OneCycleTrainer trainer = OneCycleTrainer.builder().setPolicy(settings.policy())
                    .setTotEpochs(settings.totEpochs()).optStartEpoch(settings.startEpoch())
                    .optEpochs(settings.epochs() > 0 ? settings.epochs() : settings.totEpochs() - settings.startEpoch())
                    .setWorkers(workers).setBatchSizePerWorker(settings.batchSizePerWorker())
                    .optAveragingFrequency(settings.averagingFrequency()).optSeed(settings.seed())
                    .optObserver(new ConsoleProgress(out, 2.0)).optObserver(recorder).build();
            List<DataSet> chunks = p.train.toDataSets(PARALLELIZE_CHUNK);
            // Small tasks: parallelize ships its data inside them; the trainer re-spreads examples anyway.
            JavaRDD<DataSet> rdd = sc.parallelize(chunks, Math.max(workers, chunks.size() / 4));
            TrainingPlan plan = trainer.fit(sc, p.network, rdd);
            Path model = p.run.temporary("model.zip");
            p.network.save(model.toFile());
            p.run.commit(model, "model.zip");
            recorder.commit();
            out.printf(Locale.ROOT, "done: test accuracy %.4f; wrote %s%n", recorder.lastAccuracy, p.run.path());
            return new Result(plan, recorder.lastAccuracy, p.run.path());
        }
    }

    private FashionMnist loadData(Configuration hadoop) {
        try {
            return FashionMnist.load(settings.dataDir(), hadoop);
        } catch (IOException e) {
            throw new JobInputException("--data: " + e.getMessage(), e);
        }
    }

    private Network loadModel(LabeledImages train) {
        if (settings.modelIn() == null) {
            return FashionMlp.create(train.features(), settings.hiddenUnits(), train.classes(), settings.seed());
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
    private void checkModelFitsData(Network network, LabeledImages test) {
        DataSet probe = test.head(2).toDataSets(2).get(0);
        try {
            network.score(probe);
        } catch (RuntimeException e) {
            String reason = String.valueOf(e.getMessage()).split("\n", 2)[0];
            throw new JobInputException((settings.modelIn() == null ? "the model" : "--model-in " + settings.modelIn())
                    + " does not fit the data (" + test.features() + " features, " + test.classes() + " classes): "
                    + reason, e);
        }
    }

    /** Writes applied-schedule.csv and metrics.csv as training goes, and evaluates each epoch. */
    private static final class RunRecorder implements TrainingObserver, AutoCloseable {
        private final RunFolder run;
        private final List<DataSet> test;
        private final BufferedWriter applied;
        private final BufferedWriter metrics;
        private final PrintWriter out;
        private double lastAccuracy = Double.NaN;

        RunRecorder(RunFolder run, List<DataSet> test, PrintWriter out) throws IOException {
            this.run = run;
            this.test = test;
            this.out = out;
            this.applied = run.growing("applied-schedule.csv", AppliedStep.CSV_HEADER);
            this.metrics = run.growing("metrics.csv", "epoch,iterations,train_loss,test_accuracy,seconds");
        }

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> steps, double meanScore) {
            try {
                for (AppliedStep s : steps) {
                    applied.write(s.toCsv());
                    applied.newLine();
                }
                applied.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + run.temporary("applied-schedule.csv"), e);
            }
        }

        @Override
        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
            lastAccuracy = network.evaluate(new ListDataSetIterator<>(test)).accuracy();
            out.printf(Locale.ROOT, "epoch %d/%d: test accuracy %.4f%n", epoch.epoch() + 1, plan.slice().totEpochs(),
                    lastAccuracy);
            try {
                metrics.write(String.format(Locale.ROOT, "%d,%d,%s,%s,%.3f", epoch.epoch(), epoch.iterationsDone(),
                        epoch.trainLoss(), lastAccuracy, epoch.seconds()));
                metrics.newLine();
                metrics.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + run.temporary("metrics.csv"), e);
            }
        }

        void commit() throws IOException {
            applied.close();
            metrics.close();
            run.commit(run.temporary("applied-schedule.csv"), "applied-schedule.csv");
            run.commit(run.temporary("metrics.csv"), "metrics.csv");
        }

        @Override
        public void close() throws IOException {
            applied.close();
            metrics.close();
        }
    }
}
