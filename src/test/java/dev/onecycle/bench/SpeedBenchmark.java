package dev.onecycle.bench;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledData;
import dev.onecycle.data.TrainTestData;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.PartialOneCycleFit;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.spark.DriverData;
import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.OneCycleTrainer;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The trainer's speed targets (issue 10), measured side by side in one run, sides interleaved, medians reported
 * with the load. Sections (property {@code bench.sections}, comma-separated):
 * <ul>
 * <li>{@code floor}: Spark's own floor, an empty 2-task job broadcasting and collecting one network state;</li>
 * <li>{@code overhead}: per-round overhead of each averaging path = (epoch − spread − compute) / rounds;</li>
 * <li>{@code ratio}: full-data epoch, Spark local[2] (both paths) vs one JVM, averaging 4 and 16;</li>
 * <li>{@code growth}: epoch time at 60k vs 8k examples (with {@code ratio}: its 60k barrier epochs and 8k ones
 * after each round; alone: only those two, alternating run by run, with the compute and the rest apart);</li>
 * <li>{@code size}: both paths by model size;</li>
 * <li>{@code accuracy}: test accuracy after the default 5-epoch cycle by averaging frequency.</li>
 * </ul>
 * Run: {@code mvn -B -o -P cpu,bench test-compile exec:exec@speed [-Dbench.jvmArgs="-Dbench.sections=..."]}.
 */
public final class SpeedBenchmark {
    private static final String SECTIONS = System.getProperty("bench.sections", "floor,overhead,ratio,growth,size,accuracy");
    private static final int RUNS = Integer.getInteger("bench.runs", 2);
    private static final int EPOCHS = Integer.getInteger("bench.epochs", 2);
    private static final int SMALL = Integer.getInteger("bench.small", 8000);
    private static final int BATCH = 32;
    private static final int WORKERS = 2;
    private static final int FEATURES = 784;
    private static final int CLASSES = 10;
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.1).build();
    private static final Path OUT = Paths.get(System.getProperty("bench.out", "target/bench-speed"));
    private static final StringBuilder REPORT = new StringBuilder();

    private SpeedBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(OUT);
        TrainTestData data = TrainTestData.of(FashionMnist.load(null, new Configuration()));
        print("# SpeedBenchmark\n");
        print("- data: " + data.source() + ", " + data.train().size() + " training examples");
        print("- sections " + SECTIONS + ", runs " + RUNS + ", timed epochs per Spark run " + EPOCHS + " (after 1 warm-up)");
        print("- load at start: " + load() + "\n");
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("SpeedBenchmark")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.local.dir", OUT.resolve("spark-local").toAbsolutePath().toString()));
        try {
            if (SECTIONS.contains("floor")) {
                floor(sc);
            }
            if (SECTIONS.contains("overhead")) {
                overhead(sc, data.train().head(SMALL));
            }
            if (SECTIONS.contains("ratio")) {
                ratio(sc, data.train());
            }
            if (SECTIONS.contains("growth") && !SECTIONS.contains("ratio")) {
                growth(sc, data.train());
            }
            if (SECTIONS.contains("size")) {
                size(sc, data.train().head(SMALL));
            }
            if (SECTIONS.contains("accuracy")) {
                accuracy(sc, data);
            }
        } finally {
            sc.stop();
        }
        print(String.format(Locale.ROOT, "\nTotal %.1f min; load at end: %s", (System.nanoTime() - t0) / 6e10, load()));
        Files.writeString(OUT.resolve("report.md"), REPORT.toString());
        System.exit(0);
    }

    // ------------------------------------------------------------------------------------------------- floor

    /**
     * Median seconds of an empty 2-task job that broadcasts the bytes of {@code floats} floats and collects as many
     * from each task (as a {@code byte[]}, which Java serialisation writes in bulk: Spark's cheapest form).
     */
    static double floorSeconds(JavaSparkContext sc, int floats, int calls) {
        List<Double> xs = new ArrayList<>();
        for (int i = 0; i < calls + 5; i++) {
            byte[] state = new byte[4 * floats];
            long t = System.nanoTime();
            Broadcast<byte[]> b = sc.broadcast(state);
            sc.parallelize(List.of(0, 1), 2).map(w -> b.value().clone()).collect();
            b.destroy();
            if (i >= 5) {
                xs.add((System.nanoTime() - t) / 1e9);
            }
        }
        return median(xs);
    }

    private static int stateFloats(int hidden) {
        Network n = FashionMlp.create(FEATURES, hidden, CLASSES, 42);
        return Math.toIntExact(n.params().length() + n.updaterState().length());
    }

    private static void floor(JavaSparkContext sc) {
        int floats = stateFloats(256);
        String before = load();
        double s = floorSeconds(sc, floats, 40);
        print("## Spark's floor\n");
        print(String.format(Locale.ROOT, "Empty 2-task job broadcasting %,d floats (%.2f MB: the 784-256-10 MLP's parameters"
                + " + Nesterov state, as a byte[]) and collecting as many from each task, median of 40: **%.1f ms** (load %s -> %s)\n",
                floats, floats * 4 / 1e6, 1000 * s, before, load()));
    }

    // ---------------------------------------------------------------------------------------------- training

    /** Epoch summaries of one Spark fit of {@code epochs} epochs (the first is a warm-up, dropped). */
    static List<EpochSummary> spark(JavaSparkContext sc, LabeledData train, int hidden, int avg, AveragingPath path,
            int epochs) {
        List<EpochSummary> out = new ArrayList<>();
        try (DriverData d = new DriverData(sc, train, CLASSES, WORKERS)) {
            OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(epochs).setWorkers(WORKERS).setBatchSizePerWorker(BATCH)
                    .optAveragingFrequency(avg).optAveraging(path).optSeed(42).optObserver(new TrainingObserver() {
                        @Override
                        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
                            out.add(epoch);
                        }
                    }).build().fit(sc, FashionMlp.create(FEATURES, hidden, CLASSES, 42), d);
        }
        return out.subList(1, out.size());
    }

    /** Seconds per epoch of the one-JVM fit ({@code PartialOneCycleFit}, batch = workers x batch). */
    static List<Double> oneJvm(List<DataSet> minibatches, int hidden, int epochs) {
        Network net = FashionMlp.create(FEATURES, hidden, CLASSES, 42);
        List<Double> xs = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            CycleSlice slice = CycleSlice.builder().optTotEpochs(epochs).optStartEpoch(e).setEpochs(1)
                    .setItersPerEpoch(minibatches.size()).build();
            long t = System.nanoTime();
            new PartialOneCycleFit(POLICY, slice).fit(net, new ListDataSetIterator<>(minibatches, 1));
            if (e > 0) {
                xs.add((System.nanoTime() - t) / 1e9);
            }
        }
        return xs;
    }

    private static double overheadPerRound(EpochSummary e) {
        return (e.seconds() - e.spreadSeconds() - e.computeSeconds()) / e.rounds();
    }

    private static void overhead(JavaSparkContext sc, LabeledData train) {
        String before = load();
        int floats = stateFloats(256);
        Map<AveragingPath, List<EpochSummary>> runs = new LinkedHashMap<>();
        List<Double> floors = new ArrayList<>();
        for (int r = 0; r < RUNS; r++) {
            for (AveragingPath p : List.of(AveragingPath.DRIVER, AveragingPath.BARRIER)) {
                floors.add(floorSeconds(sc, floats, 20));
                runs.computeIfAbsent(p, k -> new ArrayList<>()).addAll(spark(sc, train, 256, 4, p, EPOCHS + 1));
            }
        }
        double floor = median(floors);
        print("## Per-round overhead (" + train.size() + " examples, 784-256-10, 2 workers x 32, averaging 4)\n");
        print("Overhead per round = (epoch - spread - compute) / rounds, compute = the slowest worker's training time"
                + " per round. Floor = Spark's empty 2-task job with the same bytes, measured between the runs: "
                + String.format(Locale.ROOT, "%.1f ms", 1000 * floor) + ". Load " + before + " -> " + load() + "\n");
        print("| path | epoch s | spread s | compute s | rounds | jobs | overhead ms/round | overhead / floor |");
        print("|---|---|---|---|---|---|---|---|");
        for (Map.Entry<AveragingPath, List<EpochSummary>> e : runs.entrySet()) {
            List<EpochSummary> xs = e.getValue();
            double o = median(xs.stream().map(SpeedBenchmark::overheadPerRound).toList());
            print(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %d | %d | %.1f | %.2f |", e.getKey().id(),
                    median(xs.stream().map(EpochSummary::seconds).toList()),
                    median(xs.stream().map(EpochSummary::spreadSeconds).toList()),
                    median(xs.stream().map(EpochSummary::computeSeconds).toList()), xs.get(0).rounds(),
                    xs.get(0).jobs(), 1000 * o, o / floor));
        }
        print("");
    }

    private static void ratio(JavaSparkContext sc, LabeledData full) {
        String before = load();
        List<DataSet> big = full.toDataSets(BATCH * WORKERS, CLASSES);
        LabeledData small = full.head(SMALL);
        Map<String, List<Double>> t = new LinkedHashMap<>();
        Map<String, List<Double>> compute = new LinkedHashMap<>();
        for (int r = 0; r < RUNS; r++) {
            t.computeIfAbsent("one JVM", k -> new ArrayList<>()).addAll(oneJvm(big, 256, EPOCHS + 1));
            for (int avg : new int[] {4, 16}) {
                for (AveragingPath p : List.of(AveragingPath.BARRIER, AveragingPath.DRIVER)) {
                    String key = p.id() + " avg " + avg;
                    for (EpochSummary e : spark(sc, full, 256, avg, p, EPOCHS + 1)) {
                        t.computeIfAbsent(key, k -> new ArrayList<>()).add(e.seconds());
                        compute.computeIfAbsent(key, k -> new ArrayList<>()).add(e.computeSeconds());
                    }
                }
            }
            if (SECTIONS.contains("growth")) {
                for (EpochSummary e : spark(sc, small, 256, 4, AveragingPath.BARRIER, EPOCHS + 1)) {
                    t.computeIfAbsent("barrier avg 4 @" + SMALL, k -> new ArrayList<>()).add(e.seconds());
                }
            }
        }
        double one = median(t.get("one JVM"));
        print("## Epoch time: Spark local[2] vs one JVM (" + full.size() + " examples, 784-256-10)\n");
        print("One JVM: PartialOneCycleFit, batch 64 (the examples of one step of 2 workers x 32), ND4J's default threads."
                + " Spark: OneCycleTrainer, 2 workers x 32, one ND4J thread per task. Runs interleaved (" + RUNS + " rounds of"
                + " all configurations); medians over " + (RUNS * EPOCHS) + " epochs. Load " + before + " -> " + load() + "\n");
        print("| configuration | epoch s (all) | median s | compute s | / one JVM |");
        print("|---|---|---|---|---|");
        for (Map.Entry<String, List<Double>> e : t.entrySet()) {
            double m = median(e.getValue());
            List<Double> c = compute.get(e.getKey());
            print(String.format(Locale.ROOT, "| %s | %s | %.2f | %s | %.2f |", e.getKey(), fmt(e.getValue()), m,
                    c == null ? "" : String.format(Locale.ROOT, "%.2f", median(c)), m / one));
        }
        if (t.containsKey("barrier avg 4 @" + SMALL)) {
            print(String.format(Locale.ROOT, "\nGrowth: epoch at %d / epoch at %d (barrier, avg 4) = **%.2f** (%.1fx the data)",
                    full.size(), SMALL, median(t.get("barrier avg 4")) / median(t.get("barrier avg 4 @" + SMALL)),
                    full.size() / (double) SMALL));
        }
        print("");
    }

    /**
     * 60k against 8k barrier epochs (averaging 4), alternating: the epoch, the slowest worker's compute and the
     * rest (spread + averaging + jobs) apart, each as seconds per 1,000 examples, so a growth above the data's
     * 7.5x shows whether the compute or the rest grows faster than the data.
     */
    private static void growth(JavaSparkContext sc, LabeledData full) {
        String before = load();
        LabeledData small = full.head(SMALL);
        Map<Integer, List<EpochSummary>> runs = new LinkedHashMap<>();
        for (int r = 0; r < RUNS; r++) {
            for (LabeledData d : List.of(full, small)) {
                runs.computeIfAbsent(d.size(), k -> new ArrayList<>()).addAll(spark(sc, d, 256, 4,
                        AveragingPath.BARRIER, EPOCHS + 1));
            }
        }
        print("## Growth: epoch at " + full.size() + " vs " + SMALL + " examples (barrier, averaging 4, 2 workers x 32)\n");
        print("Alternating run by run (" + RUNS + " runs of " + EPOCHS + " timed epochs each side). Load " + before
                + " -> " + load() + "\n");
        print("| examples | epoch s (all) | median epoch s | median compute s | median rest s | rounds | epoch s / 1k ex | compute s / 1k ex | rest s / 1k ex |");
        print("|---|---|---|---|---|---|---|---|---|");
        double[] perK = new double[2];
        int i = 0;
        for (Map.Entry<Integer, List<EpochSummary>> e : runs.entrySet()) {
            List<EpochSummary> xs = e.getValue();
            double ep = median(xs.stream().map(EpochSummary::seconds).toList());
            double co = median(xs.stream().map(EpochSummary::computeSeconds).toList());
            double rest = median(xs.stream().map(x -> x.seconds() - x.computeSeconds()).toList());
            double k = e.getKey() / 1000.0;
            perK[i++] = ep / k;
            print(String.format(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.2f | %d | %.3f | %.3f | %.3f |", e.getKey(),
                    fmt(xs.stream().map(EpochSummary::seconds).toList()), ep, co, rest, xs.get(0).rounds(), ep / k,
                    co / k, rest / k));
        }
        List<Integer> sizes = new ArrayList<>(runs.keySet());
        print(String.format(Locale.ROOT, "\nGrowth: median epoch at %d / at %d = **%.2f** (%.1fx the data)\n",
                sizes.get(0), sizes.get(1), perK[0] * sizes.get(0) / (perK[1] * sizes.get(1)),
                sizes.get(0) / (double) sizes.get(1)));
    }

    private static void size(JavaSparkContext sc, LabeledData train) {
        String before = load();
        int[] hiddens = {64, 256, 1024, 3000};
        print("## Paths by model size (" + train.size() + " examples, 2 workers x 32, averaging 4)\n");
        print("| hidden | state floats | floor ms | driver ms/round overhead | barrier ms/round overhead | driver epoch s | barrier epoch s |");
        print("|---|---|---|---|---|---|---|");
        for (int h : hiddens) {
            Map<AveragingPath, List<EpochSummary>> runs = new LinkedHashMap<>();
            for (int r = 0; r < RUNS; r++) {
                for (AveragingPath p : List.of(AveragingPath.DRIVER, AveragingPath.BARRIER)) {
                    runs.computeIfAbsent(p, k -> new ArrayList<>()).addAll(spark(sc, train, h, 4, p, 2));
                }
            }
            int floats = stateFloats(h);
            double floor = floorSeconds(sc, floats, 10);
            List<EpochSummary> d = runs.get(AveragingPath.DRIVER);
            List<EpochSummary> b = runs.get(AveragingPath.BARRIER);
            print(String.format(Locale.ROOT, "| %d | %,d | %.1f | %.1f | %.1f | %.2f | %.2f |", h, floats, 1000 * floor,
                    1000 * median(d.stream().map(SpeedBenchmark::overheadPerRound).toList()),
                    1000 * median(b.stream().map(SpeedBenchmark::overheadPerRound).toList()),
                    median(d.stream().map(EpochSummary::seconds).toList()),
                    median(b.stream().map(EpochSummary::seconds).toList())));
        }
        print("\nLoad " + before + " -> " + load() + "\n");
    }

    private static void accuracy(JavaSparkContext sc, TrainTestData data) {
        String before = load();
        int[] avgs = Arrays.stream(System.getProperty("bench.avgList", "1,4,8,16,32").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        int epochs = Integer.getInteger("bench.accuracyEpochs", 5);
        List<DataSet> test = data.test().toDataSets(500, CLASSES);
        print("## Test accuracy by averaging frequency (" + data.train().size() + " examples, 784-256-10, 2 workers x 32, "
                + epochs + "-epoch cycle, lrMax 0.1, seed 42)\n");
        print("| averaging | rounds/epoch | test accuracy | final train loss | s/epoch |");
        print("|---|---|---|---|---|");
        for (int avg : avgs) {
            Network net = FashionMlp.create(FEATURES, 256, CLASSES, 42);
            List<EpochSummary> out = new ArrayList<>();
            try (DriverData d = new DriverData(sc, data.train(), CLASSES, WORKERS)) {
                OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(epochs).setWorkers(WORKERS).setBatchSizePerWorker(BATCH)
                        .optAveragingFrequency(avg).optSeed(42).optObserver(new TrainingObserver() {
                            @Override
                            public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
                                out.add(epoch);
                            }
                        }).build().fit(sc, net, d);
            }
            double acc = net.evaluate(new ListDataSetIterator<>(test, 500)).accuracy();
            EpochSummary last = out.get(out.size() - 1);
            print(String.format(Locale.ROOT, "| %d | %d | %.4f | %.4f | %.1f |", avg, last.rounds(), acc, last.trainLoss(),
                    median(out.stream().map(EpochSummary::seconds).toList())));
        }
        print("\nLoad " + before + " -> " + load() + "\n");
    }

    // ----------------------------------------------------------------------------------------------- helpers

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String fmt(List<Double> xs) {
        StringBuilder b = new StringBuilder();
        for (double x : xs) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", x));
        }
        return b.toString();
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    private static void print(String line) {
        System.out.println(line);
        System.out.flush();
        REPORT.append(line).append('\n');
    }
}
