package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledImages;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --checkpoint-every R} is exact (issue 23): a 4-epoch fit with checkpoints every 2 rounds writes them at
 * rounds 2, 4, 6 of every epoch on both averaging paths, also when one barrier job would otherwise cover the whole
 * epoch, each holding exactly that round's state; and the final result equals a fit without checkpoints bitwise.
 */
class CheckpointEveryTest {
    private static final int EXAMPLES = 611;
    private static final int BATCH = 16; // 306 / 16 -> 20 steps per epoch
    private static final int AVERAGING = 3; // rounds of 3 x 6 + 2: 7 per epoch
    private static final int EPOCHS = 4;
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.1).build();
    private static JavaSparkContext sc;
    private static LabeledImages images;

    @BeforeAll
    static void startSpark() throws Exception {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("CheckpointEveryTest")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"));
        images = FashionMnist.sample().train().head(EXAMPLES);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** The parameters' SHA-256 after each round an observer saw averaged, by checkpoint name. */
    private static final class Averaged implements TrainingObserver {
        final List<String> at = new ArrayList<>();

        @Override
        public void onRoundsAveraged(TrainingPlan plan, EpochProgress progress, Network network) {
            at.add(CheckpointStore.nameFor(progress.epoch(), progress.roundsDone()) + " " + network.paramsSha256());
        }
    }

    private static Network fit(AveragingPath path, TrainingObserver... observers) {
        Network network = FashionMlp.create(784, 16, 10, 7);
        OneCycleTrainer.Builder b = OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(EPOCHS).setWorkers(2)
                .setBatchSizePerWorker(BATCH).optAveragingFrequency(AVERAGING).optSeed(5).optAveraging(path)
                // one barrier job would cover a whole epoch: the requested rounds must cut it
                .optRoundsPerJob(path == AveragingPath.BARRIER ? 100 : 1);
        for (TrainingObserver o : observers) {
            b.optObserver(o);
        }
        b.build().fit(sc, network, sc.parallelize(images.toDataSets(50), 5));
        return network;
    }

    private static float[] floats(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.dup().data().asFloat();
    }

    @Test
    void checkpointsLandAtEveryRequestedRoundOfEveryEpochOnBothPathsAndChangeNothing(@TempDir Path dir)
            throws Exception {
        List<String> expected = new ArrayList<>();
        for (int e = 0; e < EPOCHS; e++) {
            for (int r : new int[] {2, 4, 6}) {
                expected.add(CheckpointStore.nameFor(e, r));
            }
            expected.add(CheckpointStore.nameFor(e + 1));
        }
        Network plain = fit(AveragingPath.DRIVER);
        for (AveragingPath path : List.of(AveragingPath.DRIVER, AveragingPath.BARRIER)) {
            Path folder = dir.resolve(path.name());
            CheckpointStore store = CheckpointStore.open(folder.toString(), new Configuration());
            StringWriter log = new StringWriter();
            Averaged averaged = new Averaged();
            Network checkpointed = fit(path, averaged, new EpochCheckpointer(store, null, 100, new PrintWriter(log),
                    new CheckpointCadence(2, Duration.ZERO)));
            List<String> written = new ArrayList<>();
            for (String line : log.toString().split("\n")) {
                if (line.startsWith("checkpoint ")) {
                    written.add(line.split(" ")[1]);
                }
            }
            assertEquals(expected, written, path + ": " + log);
            try (Stream<Path> s = Files.list(folder)) {
                assertEquals(expected.stream().sorted().toList(),
                        s.map(p -> p.getFileName().toString()).sorted().toList(), path + ": the folders");
            }
            for (String name : expected) {
                if (name.contains("-round-")) { // each holds exactly the state after its round
                    Network saved = store.loadModel(store.verify(new org.apache.hadoop.fs.Path(
                            folder.resolve(name).toUri())));
                    assertEquals(1, averaged.at.stream().filter(a -> a.equals(name + " " + saved.paramsSha256()))
                            .count(), path + " " + name + ": " + averaged.at);
                }
            }
            assertArrayEquals(floats(plain.params()), floats(checkpointed.params()), path + ": parameters");
            assertArrayEquals(floats(plain.updaterState()), floats(checkpointed.updaterState()), path + ": updater");
            assertEquals(plain.iterationCount(), checkpointed.iterationCount());
        }
    }
}
