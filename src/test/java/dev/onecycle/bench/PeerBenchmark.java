package dev.onecycle.bench;

import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledData;
import dev.onecycle.data.TrainTestData;
import dev.onecycle.dl4j.FashionLeNet;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.PartialOneCycleFit;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.spark.DriverData;
import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.OneCycleTrainer;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;

/**
 * onecycle-spark's side of the PyTorch peer benchmark (issue 26; python/bench/run.sh runs it interleaved with
 * python/bench/peer.py): one configuration per JVM, one JSON line out.
 *
 * <pre>java ... dev.onecycle.bench.PeerBenchmark ours|dl4j mlp|lenet EPOCHS [EXAMPLES]</pre>
 *
 * {@code ours}: {@link OneCycleTrainer} on Spark {@code local[2]}, barrier path, 2 workers x 32, averaging every 4
 * steps (what {@code spark-submit/onecycle train} runs); {@code dl4j}: DL4J's own one-JVM fit
 * ({@link PartialOneCycleFit}, batch 64 = one step of 2 x 32, ND4J's default threads). The data: Fashion-MNIST as
 * {@code onecycle train} finds it (Debian's dataset-fashion-mnist at 60k), scaled to [0, 1]; the schedule: the
 * defaults (lrMax 0.1 fastai style) over all EPOCHS epochs. Epoch seconds of every epoch, the first included (the
 * caller drops it).
 */
public final class PeerBenchmark {
    private static final int CLASSES = 10;
    private static final int BATCH = 32;
    private static final int WORKERS = 2;

    private PeerBenchmark() {
    }

    static Network network(String name) {
        return switch (name) {
            case "mlp" -> FashionMlp.create(784, 256, CLASSES, 42);
            case "lenet" -> FashionLeNet.create(784, CLASSES, 42);
            default -> throw new IllegalArgumentException("network: mlp or lenet, got " + name);
        };
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: PeerBenchmark ours|dl4j mlp|lenet EPOCHS [EXAMPLES]");
            System.exit(2);
        }
        String system = args[0];
        String net = args[1];
        int epochs = Integer.parseInt(args[2]);
        LabeledData train = TrainTestData.of(FashionMnist.load(null, new Configuration())).train();
        if (args.length > 3 && Integer.parseInt(args[3]) > 0) {
            train = train.head(Integer.parseInt(args[3]));
        }
        OneCyclePolicy policy = OneCyclePolicy.builder().setLrMax(0.1).build();
        List<Double> seconds = new ArrayList<>();
        List<Double> compute = new ArrayList<>();
        double[] loss = {Double.NaN};
        String label;
        if (system.equals("ours")) {
            label = "onecycle-spark barrier averaging 4";
            JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("PeerBenchmark")
                    .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"));
            try (DriverData d = new DriverData(sc, train, CLASSES, WORKERS)) {
                OneCycleTrainer.builder().setPolicy(policy).setTotEpochs(epochs).setWorkers(WORKERS).setBatchSizePerWorker(BATCH)
                        .optAveragingFrequency(4).optAveraging(AveragingPath.BARRIER).optSeed(42)
                        .optObserver(new TrainingObserver() {
                            @Override
                            public void onEpoch(TrainingPlan plan, EpochSummary e, Network network) {
                                seconds.add(e.seconds());
                                compute.add(e.computeSeconds());
                                loss[0] = e.trainLoss();
                            }
                        }).build().fit(sc, network(net), d);
            } finally {
                sc.stop();
            }
        } else if (system.equals("dl4j")) {
            label = "DL4J one JVM (batch 64)";
            List<DataSet> minibatches = train.toDataSets(BATCH * WORKERS, CLASSES);
            Network n = network(net);
            for (int e = 0; e < epochs; e++) {
                CycleSlice slice = CycleSlice.builder().optTotEpochs(epochs).optStartEpoch(e).setEpochs(1)
                        .setItersPerEpoch(minibatches.size()).build();
                long t = System.nanoTime();
                new PartialOneCycleFit(policy, slice).fit(n, new ListDataSetIterator<>(minibatches, 1));
                seconds.add((System.nanoTime() - t) / 1e9);
            }
        } else {
            throw new IllegalArgumentException("system: ours or dl4j, got " + system);
        }
        System.out.println(String.format(Locale.ROOT,
                "{\"system\": \"%s\", \"network\": \"%s\", \"epoch_seconds\": [%s], \"compute_seconds\": [%s], \"final_loss\": %s}",
                label, net, join(seconds), join(compute), Double.isNaN(loss[0]) ? "null" : String.format(Locale.ROOT, "%.6f", loss[0])));
        System.out.flush();
        System.exit(0);
    }

    private static String join(List<Double> xs) {
        return xs.stream().map(x -> String.format(Locale.ROOT, "%.4f", x)).collect(Collectors.joining(", "));
    }
}
