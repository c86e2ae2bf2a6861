package dev.onecycle.bench;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledData;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.PartialOneCycleFit;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.spark.BenchHooks;
import dev.onecycle.spark.DataSpread;
import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.OneCycleTrainer;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * What the 1cycle trainer costs, side by side on the same data, network, worker count and averaging frequency
 * (issue 7). Not a JUnit test: {@code mvn -B -o -P bench test-compile exec:exec@trainer}. Prints Markdown tables of
 * medians. Sizes are system properties ({@code -Dbench.examples=...}, see {@link #main}); pass them through Maven
 * with {@code -Dbench.jvmArgs="-Dbench.examples=20000"}.
 *
 * <ol>
 * <li>schedule overhead: {@link OneCycleTrainer} vs dl4j-spark's {@code ParameterAveragingTrainingMaster}, fixed LR;
 * <li>checkpoint overhead: per-epoch checkpoints on vs off, plus {@code CheckpointStore.write} itself;
 * <li>resume cost: child JVMs running {@code onecycle train}, fresh vs {@code --resume};
 * <li>Spark local[2] vs one JVM ({@link PartialOneCycleFit}) over averaging frequency and model size;
 * <li>(JMH, {@link ScheduleBenchmark});
 * <li>scaling: 1 vs 2 workers;
 * <li>mid-epoch checkpoints (issue 15): epoch-end checkpoints only vs also every few rounds, and the foreground
 * time of a graceful stop's checkpoint ({@code -Dbench.sections=7}).
 * </ol>
 */
public final class TrainerBenchmark {
    private static final int FEATURES = 784;
    private static final int CLASSES = 10;

    private static final String SECTIONS = System.getProperty("bench.sections", "1,2,3,4,6");
    private static final int EXAMPLES = Integer.getInteger("bench.examples", 4000);
    private static final int BATCH = Integer.getInteger("bench.batch", 32);
    private static final int AVG = Integer.getInteger("bench.avg", 4);
    private static final int HIDDEN = Integer.getInteger("bench.hidden", 256);
    private static final int EPOCHS = Integer.getInteger("bench.epochs", 3);
    private static final int RUNS = Integer.getInteger("bench.runs", 1);
    private static final int CKPT_HIDDEN = Integer.getInteger("bench.ckptHidden", 3000);
    private static final int CKPT_WRITES = Integer.getInteger("bench.ckptWrites", 5);
    private static final int RESUME_RUNS = Integer.getInteger("bench.resumeRuns", 3);
    private static final int[] AVG_LIST = ints(System.getProperty("bench.avgList", "1,4,16"));
    private static final int[] HIDDEN_LIST = ints(System.getProperty("bench.hiddenList", "64,256,1024"));
    private static final Path OUT = Paths.get(System.getProperty("bench.out", "target/bench"));

    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.05).build();
    private static final StringBuilder REPORT = new StringBuilder();

    private TrainerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(OUT);
        print("# TrainerBenchmark\n");
        print("- machine: " + machine());
        print("- settings: examples " + EXAMPLES + ", batch/worker " + BATCH + ", averaging " + AVG + ", hidden "
                + HIDDEN + ", " + EPOCHS + " timed epochs per run after 1 warm-up, " + RUNS + " runs, sections "
                + SECTIONS);
        print("- load at start: " + load() + "\n");
        LabeledData train = FashionMnist.load(null, new Configuration()).train().head(EXAMPLES);
        List<DataSet> minibatches = train.toDataSets(BATCH, CLASSES);
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("TrainerBenchmark")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.local.dir", OUT.resolve("spark-local").toAbsolutePath().toString()));
        try {
            JavaRDD<DataSet> rdd = sc.parallelize(minibatches, Math.max(2, minibatches.size() / 16));
            rdd.count(); // not cached: dl4j-spark persists it with its own storage level
            if (SECTIONS.contains("1")) {
                scheduleOverhead(sc, rdd);
            }
            if (SECTIONS.contains("2")) {
                checkpointOverhead(sc, rdd);
            }
            if (SECTIONS.contains("3")) {
                resumeCost();
            }
            if (SECTIONS.contains("4") || SECTIONS.contains("6")) {
                sparkVsOneMachine(sc, rdd, minibatches);
            }
            if (SECTIONS.contains("7")) {
                midEpochCheckpoints(sc, rdd);
            }
        } finally {
            sc.stop();
        }
        print(String.format(Locale.ROOT, "\nTotal %.1f min; load at end: %s", (System.nanoTime() - started) / 6e10,
                load()));
        Files.writeString(OUT.resolve("report.md"), REPORT.toString());
        System.exit(0); // Spark and ND4J leave non-daemon threads behind
    }

    // ---------------------------------------------------------------------------------------------- section 1

    private static void scheduleOverhead(JavaSparkContext sc, JavaRDD<DataSet> rdd) {
        print("## 1. Schedule overhead: OneCycleTrainer vs dl4j-spark ParameterAveragingTrainingMaster (fixed LR)\n");
        String loadBefore = load();
        Samples ours = new Samples();
        Samples theirs = new Samples();
        for (int run = 0; run < RUNS; run++) { // alternate, so load drift hits both sides alike
            ours.addAll(runOurs(sc, rdd, HIDDEN, 2, AVG, EPOCHS + 1, null).withoutWarmup());
            theirs.addAll(runDl4jSpark(sc, rdd, HIDDEN, AVG, EPOCHS + 1).withoutWarmup());
        }
        print("Same SparkContext (local[2]), 784-" + HIDDEN + "-10 MLP, Nesterov, 2 workers x batch " + BATCH
                + ", averaging every " + AVG + ", " + EXAMPLES + " examples; medians over " + ours.size()
                + " epochs each. Load before/after: " + loadBefore + " / " + load() + "\n");
        print("| trainer | epoch s | minibatches/epoch (all workers) | ms/minibatch | examples/s |");
        print("|---|---|---|---|---|");
        print(row("OneCycleTrainer (1cycle)", ours));
        print(row("dl4j-spark PATM (fixed LR)", theirs));
        print(String.format(Locale.ROOT, "\nRatio ours/dl4j-spark: epoch time %.3f, time per minibatch %.3f "
                + "(target <= 1.02)\n", ours.medianSeconds() / theirs.medianSeconds(),
                ours.medianMsPerBatch() / theirs.medianMsPerBatch()));
    }

    private static String row(String name, Samples s) {
        return String.format(Locale.ROOT, "| %s | %.2f | %d | %.2f | %.0f |", name, s.medianSeconds(),
                s.medianBatches(), s.medianMsPerBatch(), s.medianBatches() * BATCH / s.medianSeconds());
    }

    /** Counts the minibatches dl4j-spark's workers really fit (local mode: one JVM, so a static counter works). */
    static final class CountingHook implements TrainingHook {
        private static final long serialVersionUID = 1L;
        static final AtomicLong BATCHES = new AtomicLong();

        @Override
        public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
        }

        @Override
        public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
            BATCHES.incrementAndGet();
        }

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
        }

        @Override
        public void postUpdate(MultiDataSet minibatch, Model model) {
            BATCHES.incrementAndGet();
        }
    }

    private static Samples runDl4jSpark(JavaSparkContext sc, JavaRDD<DataSet> rdd, int hidden, int avg, int epochs) {
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(BATCH)
                .averagingFrequency(avg).workerPrefetchNumBatches(0).batchSizePerWorker(BATCH).saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(42).trainingHooks(new CountingHook())
                .build();
        MultiLayerNetwork net = (MultiLayerNetwork) FashionMlp.create(FEATURES, hidden, CLASSES, 42).model();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, tm);
        Samples s = new Samples();
        for (int e = 0; e < epochs; e++) {
            CountingHook.BATCHES.set(0);
            long t0 = System.nanoTime();
            spark.fit(rdd);
            s.add((System.nanoTime() - t0) / 1e9, CountingHook.BATCHES.get());
        }
        return s;
    }

    /** Per-epoch wall time between the end of one epoch's observers and the next (checkpoint writes included). */
    static final class EpochClock implements TrainingObserver {
        final Samples samples = new Samples();
        private long last;

        @Override
        public void onStart(TrainingPlan plan) {
            last = System.nanoTime();
        }

        @Override
        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
            long now = System.nanoTime();
            samples.add((now - last) / 1e9, epoch.minibatches());
            last = now;
        }
    }

    private static Samples runOurs(JavaSparkContext sc, JavaRDD<DataSet> rdd, int hidden, int workers, int avg,
            int epochs, TrainingObserver before) {
        EpochClock clock = new EpochClock();
        OneCycleTrainer.Builder b = OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(epochs).setWorkers(workers)
                .setBatchSizePerWorker(BATCH).optAveragingFrequency(avg).optSeed(42);
        if (before != null) {
            b.optObserver(before);
        }
        b.optObserver(clock).build().fit(sc, FashionMlp.create(FEATURES, hidden, CLASSES, 42), rdd);
        return clock.samples;
    }

    // ---------------------------------------------------------------------------------------------- section 2

    private static void checkpointOverhead(JavaSparkContext sc, JavaRDD<DataSet> rdd) throws IOException {
        print("## 2. Checkpoint overhead: a checkpoint after every epoch, on vs off\n");
        String loadBefore = load();
        Network net = FashionMlp.create(FEATURES, CKPT_HIDDEN, CLASSES, 42);
        long params = net.params().length();
        // The write on its own, and its parts.
        TrainingPlan plan = new TrainingPlan(POLICY, CycleSlice.full(3, DataSpread.itersPerEpoch(EXAMPLES, 2, BATCH)),
                EXAMPLES, 2, BATCH, AVG, 42);
        Path dir = OUT.resolve("checkpoints-" + System.currentTimeMillis());
        CheckpointStore store = CheckpointStore.open(dir.toString(), new Configuration());
        List<Double> write = new ArrayList<>();
        List<Double> sha = new ArrayList<>();
        List<Double> serialise = new ArrayList<>();
        long modelBytes = 0;
        long folderBytes = 0;
        for (int i = 0; i < CKPT_WRITES + 1; i++) {
            long t0 = System.nanoTime();
            net.paramsSha256();
            long t1 = System.nanoTime();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            net.save(buf);
            long t2 = System.nanoTime();
            Checkpoint c = store.write(BenchHooks.state(plan, i + 1, net), net);
            long t3 = System.nanoTime();
            store.prune(1);
            if (i > 0) { // first is warm-up
                sha.add((t1 - t0) / 1e9);
                serialise.add((t2 - t1) / 1e9);
                write.add((t3 - t2) / 1e9);
            }
            modelBytes = buf.size();
            folderBytes = folderSize(Paths.get(c.path().toUri()));
        }
        // Whole epochs with and without the checkpointer.
        Samples off = new Samples();
        Samples on = new Samples();
        for (int run = 0; run < 2 * RUNS; run++) { // off, on, on, off, off, on, ...: order effects cancel
            if ((run + run / 2) % 2 == 0) {
                off.addAll(runOurs(sc, rdd, CKPT_HIDDEN, 2, AVG, EPOCHS + 1, null).withoutWarmup());
                continue;
            }
            Path runDir = OUT.resolve("ckpt-run-" + System.currentTimeMillis());
            CheckpointStore s = CheckpointStore.open(runDir.toString(), new Configuration());
            try (CheckpointLock lock = s.lock(CheckpointLock.DEFAULT_STALE_AFTER, m -> { })) {
                on.addAll(runOurs(sc, rdd, CKPT_HIDDEN, 2, AVG, EPOCHS + 1,
                        BenchHooks.epochCheckpointer(s, lock, 3, new PrintWriter(new StringWriter()))).withoutWarmup());
            }
        }
        print(String.format(Locale.ROOT, "784-%d-10 MLP: %,d parameters; model.zip %.1f MB (parameters + Nesterov "
                + "state), checkpoint folder %.1f MB; %d examples, 2 workers x batch %d, averaging every %d. Load "
                + "before/after: %s / %s\n", CKPT_HIDDEN, params, modelBytes / 1e6, folderBytes / 1e6, EXAMPLES, BATCH,
                AVG, loadBefore, load()));
        print("| what | median s |");
        print("|---|---|");
        print(String.format(Locale.ROOT, "| CheckpointStore.write (zip + SHA-256 + hsync + manifest + rename) | %.3f |",
                median(write)));
        print(String.format(Locale.ROOT, "| for comparison: Network.save to memory only (ModelSerializer zip, no hash/sync) | %.3f |",
                median(serialise)));
        print(String.format(Locale.ROOT, "| plus, before the write: paramsSha256 for state.json | %.3f |", median(sha)));
        print(String.format(Locale.ROOT, "| epoch, checkpoints off (%d epochs: %s) | %.2f |", off.size(),
                fmt(off.seconds), off.medianSeconds()));
        print(String.format(Locale.ROOT, "| epoch, checkpoints on (EpochCheckpointer, keep 3; %d epochs: %s) | %.2f |",
                on.size(), fmt(on.seconds), on.medianSeconds()));
        double direct = (median(write) + median(sha)) / off.medianSeconds();
        print(String.format(Locale.ROOT, "\nOverhead: epoch on/off %+.1f%%; measured write+hash / epoch %.1f%% "
                + "(target <= 2%%); the same write over a full 60k-example epoch would be ~%.1f%%\n",
                100 * (on.medianSeconds() / off.medianSeconds() - 1), 100 * direct,
                100 * direct * EXAMPLES / 60000.0));
    }

    // ---------------------------------------------------------------------------------------------- section 7

    private static final int MID_EVERY = Integer.getInteger("bench.midEvery", 4);

    /**
     * Epoch-end checkpoints only (A) vs also a mid-epoch one every {@link #MID_EVERY} rounds (B), on the 2.4M
     * model, in balanced order (A B B A ...); the cost of one mid-epoch checkpoint is (B - A) / the mid-epoch
     * checkpoints per epoch, and at the default interval it is paid once per interval. Then the foreground time
     * of {@code checkpointNow} (what a graceful stop waits for after the job in flight).
     */
    private static void midEpochCheckpoints(JavaSparkContext sc, JavaRDD<DataSet> rdd) throws IOException {
        print("## 7. Mid-epoch checkpoints: epoch-end only vs also every " + MID_EVERY + " rounds\n");
        String loadBefore = load();
        Samples a = new Samples();
        Samples b = new Samples();
        List<Double> midPerEpoch = new ArrayList<>();
        for (int run = 0; run < 2 * RUNS; run++) {
            boolean mid = (run + run / 2) % 2 == 1; // A, B, B, A, A, B, ...
            CheckpointStore s = CheckpointStore.open(OUT.resolve("mid-run-" + System.nanoTime()).toString(),
                    new Configuration());
            StringWriter log = new StringWriter();
            dev.onecycle.checkpoint.CheckpointCadence cadence = mid
                    ? new dev.onecycle.checkpoint.CheckpointCadence(MID_EVERY, Duration.ZERO)
                    : dev.onecycle.checkpoint.CheckpointCadence.EPOCH_END_ONLY;
            Samples got = runOurs(sc, rdd, CKPT_HIDDEN, 2, AVG, EPOCHS + 1, new dev.onecycle.spark.EpochCheckpointer(
                    s, null, 3, new PrintWriter(log), cadence)).withoutWarmup();
            (mid ? b : a).addAll(got);
            if (mid) {
                long n = log.toString().lines().filter(l -> l.matches("checkpoint epoch-\\d{4}-round-\\d{4} written.*"))
                        .count();
                midPerEpoch.add(n / (double) (EPOCHS + 1));
            }
        }
        // a graceful stop's checkpoint, in the foreground: copy, SHA-256, write, wait
        List<Double> now = new ArrayList<>();
        CheckpointStore stops = CheckpointStore.open(OUT.resolve("stop-" + System.nanoTime()).toString(),
                new Configuration());
        dev.onecycle.spark.EpochCheckpointer stopper = new dev.onecycle.spark.EpochCheckpointer(stops, null, 2,
                new PrintWriter(new StringWriter()));
        runOurs(sc, rdd, CKPT_HIDDEN, 2, AVG, EPOCHS + 1, new TrainingObserver() {
            private int boundaries;

            @Override
            public void onStart(TrainingPlan plan) {
                stopper.onStart(plan);
            }

            @Override
            public void onRoundsAveraged(TrainingPlan plan, dev.onecycle.spark.EpochProgress progress,
                    Network network) {
                if (++boundaries % 2 == 0) {
                    long t0 = System.nanoTime();
                    stopper.checkpointNow(plan, progress, network);
                    now.add((System.nanoTime() - t0) / 1e9);
                }
            }
        });
        stopper.finishQuietly();
        double perEpochMid = median(midPerEpoch);
        double perCheckpoint = (b.medianSeconds() - a.medianSeconds()) / perEpochMid;
        double interval = dev.onecycle.checkpoint.CheckpointCadence.DEFAULT.interval().toSeconds();
        print(String.format(Locale.ROOT, "784-%d-10 MLP, %d examples, 2 workers x batch %d, averaging every %d, "
                + "barrier path (auto); %d runs per side in balanced order, %d timed epochs each. Load before/after: "
                + "%s / %s\n", CKPT_HIDDEN, EXAMPLES, BATCH, AVG, RUNS, EPOCHS, loadBefore, load()));
        print("| what | median |");
        print("|---|---|");
        print(String.format(Locale.ROOT, "| A: epoch, epoch-end checkpoints only (%d epochs: %s) | %.2f s |", a.size(),
                fmt(a.seconds), a.medianSeconds()));
        print(String.format(Locale.ROOT, "| B: epoch, also every %d rounds (%d epochs: %s) | %.2f s |", MID_EVERY,
                b.size(), fmt(b.seconds), b.medianSeconds()));
        print(String.format(Locale.ROOT, "| mid-epoch checkpoints per epoch in B | %.2f |", perEpochMid));
        print(String.format(Locale.ROOT, "| B / A | %.3f |", b.medianSeconds() / a.medianSeconds()));
        print(String.format(Locale.ROOT, "| cost of one mid-epoch checkpoint, (B - A) / per epoch | %.3f s |",
                perCheckpoint));
        print(String.format(Locale.ROOT, "| checkpointNow in the foreground (graceful stop), %d calls | %.3f s (max %.3f) |",
                now.size(), median(now), now.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)));
        print(String.format(Locale.ROOT, "\nAt the default interval (one per %.0f s of training): overhead %.2f%% "
                + "(target <= 2%%)\n", interval, 100 * Math.max(0, perCheckpoint) / interval));
    }

    private static long folderSize(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    // ---------------------------------------------------------------------------------------------- section 3

    private static void resumeCost() throws Exception {
        print("## 3. Resume cost: process start to the first trained round, fresh vs --resume\n");
        String loadBefore = load();
        int ipe = DataSpread.itersPerEpoch(EXAMPLES, 2, BATCH);
        Path base = OUT.resolve("resume-" + System.currentTimeMillis());
        List<Double> freshStart = new ArrayList<>();
        List<Double> freshRound = new ArrayList<>();
        List<Double> resumeStart = new ArrayList<>();
        List<Double> resumeRound = new ArrayList<>();
        // The first fresh run also leaves the checkpoint (epoch-0001) the resumed runs start from.
        Path origin = base.resolve("origin");
        try (Child c = Child.start(origin, base.resolve("origin.log"))) {
            double[] t = c.timeToFirstRound(origin, 0);
            freshStart.add(t[0]);
            freshRound.add(t[1]);
            c.awaitLog(s -> s.contains("checkpoint epoch-0001 written"));
        }
        for (int i = 1; i < RESUME_RUNS; i++) {
            Path run = base.resolve("fresh-" + i);
            try (Child c = Child.start(run, base.resolve("fresh-" + i + ".log"))) {
                double[] t = c.timeToFirstRound(run, 0);
                freshStart.add(t[0]);
                freshRound.add(t[1]);
            }
        }
        for (int i = 0; i < RESUME_RUNS; i++) {
            Path run = base.resolve("resumed-" + i);
            copyTree(origin, run);
            // Keep only epoch-0001 (the killed origin may have got further).
            try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
                for (Path p : s.toList()) {
                    if (Files.isDirectory(p) && !p.getFileName().toString().equals("epoch-0001")) {
                        deleteTree(p);
                    }
                }
            }
            try (Child c = Child.start(run, base.resolve("resumed-" + i + ".log"), "--resume")) {
                double[] t = c.timeToFirstRound(run, ipe);
                resumeStart.add(t[0]);
                resumeRound.add(t[1]);
            }
        }
        print("Child JVMs: `onecycle train --master local[2] --workers 2 --tot-epochs 3 --max-examples " + EXAMPLES
                + " --batch-size " + BATCH + " --hidden " + HIDDEN + " --averaging-frequency " + AVG
                + " [--resume]`, each killed once it has trained its first round; resumed runs start from epoch-0001 "
                + "(model.zip + state.json, verified by SHA-256). " + RESUME_RUNS + " runs each. Load before/after: "
                + loadBefore + " / " + load() + "\n");
        print("| start | process start -> training starts (\"1cycle:\" line) s | process start -> first round in "
                + "applied-schedule s |");
        print("|---|---|---|");
        print(String.format(Locale.ROOT, "| fresh | %.2f | %.2f |", median(freshStart), median(freshRound)));
        print(String.format(Locale.ROOT, "| --resume | %.2f | %.2f |", median(resumeStart), median(resumeRound)));
        print(String.format(Locale.ROOT, "\nResume costs %+.2f s (ratio %.2f) to the first trained round. Raw: fresh %s, "
                + "resume %s\n", median(resumeRound) - median(freshRound), median(resumeRound) / median(freshRound),
                fmt(freshRound), fmt(resumeRound)));
    }

    /** {@code onecycle train} in a child JVM with this JVM's --add-opens flags and classpath. */
    static final class Child implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final long startedNanos;

        private Child(Process process, Path log, long startedNanos) {
            this.process = process;
            this.log = log;
            this.startedNanos = startedNanos;
        }

        static Child start(Path runDir, Path log, String... extra) throws IOException {
            Files.createDirectories(log.getParent());
            List<String> args = new ArrayList<>(List.of("--master", "local[2]", "--workers", "2", "--tot-epochs", "3",
                    "--max-examples", String.valueOf(EXAMPLES), "--batch-size", String.valueOf(BATCH), "--hidden",
                    String.valueOf(HIDDEN), "--averaging-frequency", String.valueOf(AVG), "--run-dir", runDir.toString()));
            args.addAll(Arrays.asList(extra));
            ProcessBuilder pb = new ProcessBuilder(dev.onecycle.spark.ChildJob.trainCommand(List.of(), args))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            long t0 = System.nanoTime();
            return new Child(pb.start(), log, t0);
        }

        String output() throws IOException {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        }

        void awaitLog(Predicate<String> condition) throws Exception {
            await(() -> condition.test(output()));
        }

        private interface Check {
            boolean ok() throws Exception;
        }

        private void await(Check check) throws Exception {
            long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (System.nanoTime() < end) {
                if (check.ok()) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("child exited " + process.exitValue() + ":\n" + output());
                }
                Thread.sleep(10);
            }
            throw new IllegalStateException("timed out:\n" + output());
        }

        /** Seconds from process start to the "1cycle:" line and to the first applied row at iteration >= from. */
        double[] timeToFirstRound(Path runDir, long from) throws Exception {
            double[] t = new double[2];
            await(() -> output().contains("1cycle: epochs"));
            t[0] = (System.nanoTime() - startedNanos) / 1e9;
            Path applied = runDir.resolve(".applied-schedule.csv.inprogress");
            await(() -> hasRowFrom(applied, from));
            t[1] = (System.nanoTime() - startedNanos) / 1e9;
            return t;
        }

        private static boolean hasRowFrom(Path csv, long from) throws IOException {
            if (!Files.exists(csv)) {
                return false;
            }
            for (String line : Files.readAllLines(csv)) {
                int comma = line.indexOf(',');
                if (comma > 0 && Character.isDigit(line.charAt(0)) && Long.parseLong(line.substring(0, comma)) >= from) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly(); // SIGKILL to our own child, by its handle
                process.waitFor();
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ sections 4, 6

    private static void sparkVsOneMachine(JavaSparkContext sc, JavaRDD<DataSet> rdd, List<DataSet> minibatches) {
        String loadBefore = load();
        List<String> rows = new ArrayList<>();
        java.util.Map<Integer, Samples> single = new java.util.HashMap<>();
        for (int hidden : HIDDEN_LIST) {
            single.put(hidden, runOneJvm(minibatches, hidden));
        }
        if (!single.containsKey(HIDDEN)) {
            single.put(HIDDEN, runOneJvm(minibatches, HIDDEN));
        }
        Samples two = null;
        if (SECTIONS.contains("4")) {
            print("## 4. Spark local[2] (OneCycleTrainer, 2 workers) vs one JVM (PartialOneCycleFit = "
                    + "MultiLayerNetwork.fit, same schedule)\n");
            for (int hidden : HIDDEN_LIST) {
                for (int avg : hidden == HIDDEN ? AVG_LIST : new int[] {AVG}) {
                    Samples s = new Samples();
                    for (int run = 0; run < RUNS; run++) {
                        s.addAll(runOurs(sc, rdd, hidden, 2, avg, EPOCHS + 1, null).withoutWarmup());
                    }
                    if (hidden == HIDDEN && avg == AVG) {
                        two = s;
                    }
                    Samples one = single.get(hidden);
                    rows.add(String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.2f | %.2f |", hidden,
                            (FEATURES + 1) * hidden + (hidden + 1) * CLASSES, avg, s.medianSeconds(),
                            one.medianSeconds(), s.medianSeconds() / one.medianSeconds()));
                }
            }
            print("Same " + EXAMPLES + " examples; Spark: 2 workers x batch " + BATCH + "; one JVM: batch " + BATCH
                    + " (the same examples per epoch, twice the steps); medians over " + EPOCHS * RUNS
                    + " epochs after warm-up. Load before/after: " + loadBefore + " / " + load() + "\n");
            print("| hidden | parameters | averaging | Spark epoch s | one-JVM epoch s | Spark / one JVM |");
            print("|---|---|---|---|---|---|");
            rows.forEach(TrainerBenchmark::print);
            print("");
        }
        if (SECTIONS.contains("6")) {
            String load6 = load();
            Samples one = new Samples();
            for (int run = 0; run < RUNS; run++) {
                one.addAll(runOurs(sc, rdd, HIDDEN, 1, AVG, EPOCHS + 1, null).withoutWarmup());
            }
            if (two == null) {
                two = new Samples();
                for (int run = 0; run < RUNS; run++) {
                    two.addAll(runOurs(sc, rdd, HIDDEN, 2, AVG, EPOCHS + 1, null).withoutWarmup());
                }
            }
            print("## 6. Scaling: 1 vs 2 workers (OneCycleTrainer in local[2], hidden " + HIDDEN + ", averaging " + AVG
                    + ", batch " + BATCH + " per worker)\n");
            print("Load before/after: " + load6 + " / " + load() + "\n");
            print("| setup | epoch s | minibatches/epoch (all workers) | examples/s | speed-up vs 1 worker |");
            print("|---|---|---|---|---|");
            Samples oneJvm = single.get(HIDDEN);
            print(String.format(Locale.ROOT, "| one JVM, no Spark | %.2f | %d | %.0f | %.2f |", oneJvm.medianSeconds(),
                    oneJvm.medianBatches(), EXAMPLES / oneJvm.medianSeconds(),
                    one.medianSeconds() / oneJvm.medianSeconds()));
            print(String.format(Locale.ROOT, "| 1 worker | %.2f | %d | %.0f | 1.00 |", one.medianSeconds(),
                    one.medianBatches(), EXAMPLES / one.medianSeconds()));
            print(String.format(Locale.ROOT, "| 2 workers | %.2f | %d | %.0f | %.2f |\n", two.medianSeconds(),
                    two.medianBatches(), EXAMPLES / two.medianSeconds(), one.medianSeconds() / two.medianSeconds()));
        }
    }

    private static Samples runOneJvm(List<DataSet> minibatches, int hidden) {
        Network net = FashionMlp.create(FEATURES, hidden, CLASSES, 42);
        int ipe = minibatches.size();
        int epochs = EPOCHS + 1;
        Samples s = new Samples();
        for (int run = 0; run < RUNS; run++) {
            Samples r = new Samples();
            for (int e = 0; e < epochs; e++) {
                CycleSlice slice = CycleSlice.builder().optTotEpochs(epochs).optStartEpoch(e).setEpochs(1)
                        .setItersPerEpoch(ipe).build();
                long t0 = System.nanoTime();
                new PartialOneCycleFit(POLICY, slice).fit(net, new ListDataSetIterator<>(minibatches, 1));
                r.add((System.nanoTime() - t0) / 1e9, ipe);
            }
            s.addAll(r.withoutWarmup());
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** Epoch times and the minibatches trained in each (summed over workers). */
    static final class Samples {
        final List<Double> seconds = new ArrayList<>();
        final List<Long> batches = new ArrayList<>();

        void add(double s, long b) {
            seconds.add(s);
            batches.add(b);
        }

        void addAll(Samples o) {
            seconds.addAll(o.seconds);
            batches.addAll(o.batches);
        }

        Samples withoutWarmup() {
            Samples s = new Samples();
            for (int i = 1; i < seconds.size(); i++) {
                s.add(seconds.get(i), batches.get(i));
            }
            return s;
        }

        int size() {
            return seconds.size();
        }

        double medianSeconds() {
            return median(seconds);
        }

        long medianBatches() {
            List<Double> b = new ArrayList<>();
            batches.forEach(x -> b.add((double) x));
            return Math.round(median(b));
        }

        double medianMsPerBatch() {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < seconds.size(); i++) {
                r.add(1000 * seconds.get(i) / batches.get(i));
            }
            return median(r);
        }
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String fmt(List<Double> xs) {
        StringBuilder b = new StringBuilder("[");
        for (double x : xs) {
            b.append(b.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "%.2f", x));
        }
        return b.append(']').toString();
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static String load() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String machine() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Paths.get("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException e) {
            // not Linux
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return String.format(Locale.ROOT, "%d CPUs (%s), %.1f GB RAM, Java %s (%s), max heap %.1f GB",
                Runtime.getRuntime().availableProcessors(), cpu, os.getTotalMemorySize() / 1e9,
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().maxMemory() / 1e9);
    }

    private static void print(String line) {
        System.out.println(line);
        System.out.flush();
        REPORT.append(line).append('\n');
    }
}
