package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledImages;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Mid-epoch checkpoints in process: a fit continued from one (at round r of an epoch) ends bitwise where an
 * uninterrupted fit ends, with the same applied steps from round r on and the same epoch loss, on both averaging
 * paths; the checkpoint holds exactly the state after its round.
 */
class MidEpochResumeTest {
    private static final int EXAMPLES = 611;
    private static final int BATCH = 16; // 306 / 16 -> 20 steps per epoch
    private static final int AVERAGING = 6; // rounds of 6, 6, 6, 2: 4 per epoch
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.1).build();
    private static JavaSparkContext sc;
    private static LabeledImages images;

    @BeforeAll
    static void startSpark() throws Exception {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("MidEpochResumeTest")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"));
        images = FashionMnist.sample().train().head(EXAMPLES);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static JavaRDD<DataSet> data() {
        return sc.parallelize(images.toDataSets(50), 5);
    }

    private static final class Recording implements TrainingObserver {
        final List<AppliedStep> applied = new ArrayList<>();
        final List<EpochSummary> epochs = new ArrayList<>();
        final List<String> averagedAt = new ArrayList<>();

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> steps, double meanScore) {
            applied.addAll(steps);
        }

        @Override
        public void onRoundsAveraged(TrainingPlan plan, EpochProgress progress, Network network) {
            averagedAt.add(CheckpointStore.nameFor(progress.epoch(), progress.roundsDone()) + " "
                    + network.paramsSha256());
        }

        @Override
        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
            epochs.add(epoch);
        }
    }

    private static OneCycleTrainer.Builder trainer(AveragingPath path, Recording rec) {
        return OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(2).setWorkers(2).setBatchSizePerWorker(BATCH)
                .optAveragingFrequency(AVERAGING).optSeed(5).optAveraging(path).optRoundsPerJob(
                        path == AveragingPath.BARRIER ? 3 : 1).optObserver(rec);
    }

    private static float[] floats(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.dup().data().asFloat();
    }

    @Test
    void resumeFromAMidEpochCheckpointEqualsTheUninterruptedFitOnBothPaths(@TempDir Path dir) throws Exception {
        for (AveragingPath path : List.of(AveragingPath.DRIVER, AveragingPath.BARRIER)) {
            CheckpointStore store = CheckpointStore.open(dir.resolve(path.name()).toString(), new Configuration());
            StringWriter log = new StringWriter();
            Recording whole = new Recording();
            Network uninterrupted = FashionMlp.create(784, 32, 10, 7);
            trainer(path, whole).optObserver(new EpochCheckpointer(store, null, 20, new PrintWriter(log),
                    new CheckpointCadence(2, Duration.ZERO))).build().fit(sc, uninterrupted, data());
            // at round 2 of each epoch on both paths: on the barrier path (jobs of 3 rounds) the job ends at round 2
            String name = "epoch-0001-round-0002";
            int round = 2;
            assertTrue(log.toString().contains("checkpoint " + name + " written"), log.toString());
            Checkpoint c = store.verify(new org.apache.hadoop.fs.Path(dir.resolve(path.name()).resolve(name).toUri()));
            CheckpointState s = c.state();
            assertEquals(1, s.epoch());
            assertEquals(round, s.round());
            assertEquals(20 + round * AVERAGING, s.iteration());
            Network resumed = store.loadModel(c);
            assertTrue(whole.averagedAt.contains(name + " " + resumed.paramsSha256()),
                    "exactly the state after round " + round + ": " + whole.averagedAt);
            assertEquals(s.iteration(), resumed.iterationCount());

            Recording rest = new Recording();
            EpochProgress progress = new EpochProgress(s.epoch(), s.round(), s.midEpoch().lossSum(),
                    s.midEpoch().minibatches(), s.midEpoch().seconds());
            trainer(path, rest).optStartEpoch(1).optResumeInEpoch(progress).build().fit(sc, resumed, data());

            assertArrayEquals(floats(uninterrupted.params()), floats(resumed.params()), path + ": parameters");
            assertArrayEquals(floats(uninterrupted.updaterState()), floats(resumed.updaterState()), path + ": updater");
            assertEquals(uninterrupted.iterationCount(), resumed.iterationCount());
            assertEquals(uninterrupted.epochCount(), resumed.epochCount());
            List<AppliedStep> tail = whole.applied.stream().filter(a -> a.iteration() >= s.iteration()).toList();
            assertEquals(tail.stream().map(AppliedStep::toCsv).toList(),
                    rest.applied.stream().map(AppliedStep::toCsv).toList(), path + ": applied steps from round " + round);
            EpochSummary a = whole.epochs.get(1);
            EpochSummary b = rest.epochs.get(0);
            assertEquals(a.trainLoss(), b.trainLoss(), 0.0, path + ": the epoch's loss over both parts");
            assertEquals(a.minibatches(), b.minibatches());
            assertTrue(b.seconds() >= s.midEpoch().seconds(), "the seconds before the break are counted");
        }
    }

    @Test
    void resumeRoundOutsideTheEpochIsRefusedNamingTheParameter() {
        EpochProgress past = new EpochProgress(1, 4, 0, 0, 0);
        OneCycleTrainer t = trainer(AveragingPath.DRIVER, new Recording()).optStartEpoch(1).optResumeInEpoch(past)
                .build();
        InvalidParameterException e = assertThrows(InvalidParameterException.class, () -> t.plan(EXAMPLES));
        assertTrue(e.getMessage().contains("resumeInEpoch.roundsDone") && e.getMessage().contains("4"),
                e.getMessage());
        InvalidParameterException other = assertThrows(InvalidParameterException.class,
                () -> trainer(AveragingPath.DRIVER, new Recording()).optStartEpoch(0)
                        .optResumeInEpoch(new EpochProgress(1, 2, 0, 0, 0)).build());
        assertTrue(other.getMessage().contains("resumeInEpoch.epoch"), other.getMessage());
    }
}
