package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledImages;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;
import dev.onecycle.schedule.OneCycleStyle;
import dev.onecycle.worker.TaskThreads;
import dev.onecycle.worker.WorkerNetworks;
import java.io.File;
import java.nio.file.Path;
import dev.onecycle.worker.WorkerShard;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.dataset.DataSet;

class OneCycleTrainerTest {
    private static final int EXAMPLES = 611; // odd: workers get 306 and 305 examples
    private static final int WORKERS = 2;
    private static final int BATCH = 16; // 306 / 16 -> 20 steps per epoch
    private static final int AVERAGING = 6; // does not divide 20: rounds of 6, 6, 6, 2
    private static final int TOT_EPOCHS = 3;

    private static JavaSparkContext sc;
    private static LabeledImages images;
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.1).build();

    @BeforeAll
    static void startSpark() throws Exception {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("OneCycleTrainerTest")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"));
        images = FashionMnist.sample().train().head(EXAMPLES);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Deliberately uneven input partitions: the spread must not depend on them. */
    private static JavaRDD<DataSet> data() {
        return sc.parallelize(images.toDataSets(50), 5);
    }

    private static Network freshNetwork() {
        return FashionMlp.create(784, 32, 10, 7);
    }

    private static final class Recording implements TrainingObserver {
        final List<AppliedStep> applied = new ArrayList<>();
        final List<EpochSummary> epochs = new ArrayList<>();

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> steps, double meanScore) {
            applied.addAll(steps);
        }

        @Override
        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
            epochs.add(epoch);
        }
    }

    private static OneCycleTrainer.Builder trainer(Recording rec) {
        return trainer(rec, POLICY);
    }

    private static OneCycleTrainer.Builder trainer(Recording rec, OneCyclePolicy policy) {
        return OneCycleTrainer.builder().setPolicy(policy).setTotEpochs(TOT_EPOCHS).setWorkers(WORKERS)
                .setBatchSizePerWorker(BATCH).optAveragingFrequency(AVERAGING).optSeed(123).optObserver(rec);
    }

    private static float[] params(Network n) {
        return n.params().dup().data().asFloat();
    }

    @Test
    void appliedScheduleFollowsTheCycleAtEveryIterationOnEveryWorker() {
        Recording rec = new Recording();
        Network net = freshNetwork();
        TrainingPlan plan = trainer(rec).build().fit(sc, net, data());

        assertEquals(20, plan.slice().itersPerEpoch());
        OneCycleSchedule schedule = POLICY.schedule(plan.slice());
        long n = schedule.totalIterations();
        assertEquals(n * WORKERS, rec.applied.size(), "one applied step per iteration per worker");
        for (int i = 0; i < rec.applied.size(); i++) {
            AppliedStep s = rec.applied.get(i);
            assertEquals(i / WORKERS, s.iteration(), "steps in iteration order");
            assertEquals(i % WORKERS, s.worker());
            assertEquals(schedule.lr(s.iteration()), s.lr(), 0.0, "lr at " + s.iteration());
            assertEquals(schedule.momentum(s.iteration()), s.momentum(), 0.0, "momentum at " + s.iteration());
            assertEquals(plan.slice().epochOf(s.iteration()), s.epoch());
            assertEquals((s.iteration() % 20) / AVERAGING, s.round());
        }
        assertEquals(n, net.iterationCount());
        assertEquals(TOT_EPOCHS, net.epochCount());
        // every example trained once per epoch: 611 examples in 16-example batches over 2 workers
        assertEquals(List.of(40L, 40L, 40L), rec.epochs.stream().map(EpochSummary::minibatches).toList());
        assertTrue(rec.epochs.get(2).trainLoss() < rec.epochs.get(0).trainLoss(), "it learns: " + rec.epochs);
    }

    private static Network graph() {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(3).updater(new org.nd4j.linalg.learning.config.Nesterovs(0.01, 0.9)).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(784).nOut(16)
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build(), "in")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(16).nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        org.deeplearning4j.nn.graph.ComputationGraph g = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        g.init();
        return Network.of(g);
    }

    @Test
    void computationGraphTrainsOnTheSameScheduleAndSplitsAcrossJobs(@TempDir Path dir) throws Exception {
        Recording whole = new Recording();
        Network a = graph();
        TrainingPlan plan = trainer(whole).optEpochs(2).build().fit(sc, a, data());
        OneCycleSchedule schedule = POLICY.schedule(plan.slice());
        assertEquals(2 * 20 * WORKERS, whole.applied.size());
        for (AppliedStep s : whole.applied) {
            assertEquals(schedule.lr(s.iteration()), s.lr(), 0.0);
            assertEquals(schedule.momentum(s.iteration()), s.momentum(), 0.0);
        }
        Network b = graph();
        trainer(new Recording()).optEpochs(1).build().fit(sc, b, data());
        File saved = dir.resolve("graph.zip").toFile();
        b.save(saved);
        Network resumed = Network.restore(saved);
        assertTrue(resumed.isGraph());
        trainer(new Recording()).optStartEpoch(1).optEpochs(1).build().fit(sc, resumed, data());
        assertArrayEquals(params(a), params(resumed));
    }

    @Test
    void checkpointsWrittenInTheBackgroundHoldTheEpochsNetwork(@TempDir Path dir) throws Exception {
        dev.onecycle.checkpoint.CheckpointStore store = dev.onecycle.checkpoint.CheckpointStore.open(
                dir.resolve("ckpt").toString(), new org.apache.hadoop.conf.Configuration());
        java.io.StringWriter log = new java.io.StringWriter();
        Network net = freshNetwork();
        List<String> hashes = new ArrayList<>();
        trainer(new Recording()).optEpochs(2).optObserver(new TrainingObserver() {
            @Override
            public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
                hashes.add(network.paramsSha256());
            }
        }).optObserver(new EpochCheckpointer(store, null, 5, new java.io.PrintWriter(log))).build().fit(sc, net, data());
        for (int e = 1; e <= 2; e++) {
            dev.onecycle.checkpoint.Checkpoint c = store.verify(new org.apache.hadoop.fs.Path(
                    dir.resolve("ckpt").resolve(dev.onecycle.checkpoint.CheckpointStore.nameFor(e)).toUri()));
            assertEquals(hashes.get(e - 1), store.loadModel(c).paramsSha256(), "checkpoint of epoch " + e);
            assertEquals(e * 20L, store.loadModel(c).iterationCount());
        }
        assertTrue(log.toString().contains("checkpoint epoch-0002 written"), log.toString());
    }

    @Test
    void failedBackgroundCheckpointWriteFailsTheRunNamingThePath(@TempDir Path dir) throws Exception {
        Path notAFolder = java.nio.file.Files.writeString(dir.resolve("file"), "x");
        dev.onecycle.checkpoint.CheckpointStore store = dev.onecycle.checkpoint.CheckpointStore.open(
                notAFolder.resolve("ckpt").toString(), new org.apache.hadoop.conf.Configuration());
        OneCycleTrainer t = trainer(new Recording()).optEpochs(1)
                .optObserver(new EpochCheckpointer(store, null, 3, new java.io.PrintWriter(new java.io.StringWriter())))
                .build();
        RuntimeException e = assertThrows(RuntimeException.class, () -> t.fit(sc, freshNetwork(), data()));
        assertTrue(e.getMessage().contains("epoch-0001"), e.getMessage());
    }

    @Test
    void twoRunsWithTheSameSeedGiveBitwiseIdenticalParameters() {
        Network a = freshNetwork();
        Network b = freshNetwork();
        trainer(new Recording()).optEpochs(2).build().fit(sc, a, data());
        trainer(new Recording()).optEpochs(2).build().fit(sc, b, data());
        assertArrayEquals(params(a), params(b));
        assertArrayEquals(a.updaterState().dup().data().asFloat(), b.updaterState().dup().data().asFloat());
    }

    /**
     * Divided = whole, for every style: the cycle run as three jobs (epoch 0, epoch 1, epoch 2), saving and
     * restoring the network in between, applies the whole run's schedule and ends with its parameters, bitwise.
     */
    @ParameterizedTest
    @EnumSource(OneCycleStyle.class)
    void cycleSplitAcrossJobsMatchesOneJob(OneCycleStyle style, @TempDir Path dir) throws Exception {
        OneCyclePolicy policy = POLICY.toBuilder().optStyle(style).build();
        Recording whole = new Recording();
        Network uninterrupted = freshNetwork();
        TrainingPlan plan = trainer(whole, policy).build().fit(sc, uninterrupted, data());
        OneCycleSchedule schedule = policy.schedule(plan.slice());
        for (AppliedStep s : whole.applied) {
            assertEquals(schedule.lr(s.iteration()), s.lr(), 0.0, style.id() + " lr at " + s.iteration());
            assertEquals(schedule.momentum(s.iteration()), s.momentum(), 0.0, style.id() + " momentum");
        }

        List<AppliedStep> pieced = new ArrayList<>();
        Network part = freshNetwork();
        for (int start = 0; start < TOT_EPOCHS; start++) {
            Recording rec = new Recording();
            OneCycleTrainer.Builder b = trainer(rec, policy).optStartEpoch(start).optEpochs(1);
            if (start > 0) {
                File saved = dir.resolve("model-" + start + ".zip").toFile();
                part.save(saved);
                part = Network.restore(saved);
                assertEquals(20 * start, part.iterationCount());
                assertEquals(start, part.epochCount());
                b.optExpectedItersPerEpoch(20);
            }
            b.build().fit(sc, part, data());
            pieced.addAll(rec.applied);
        }
        assertEquals(whole.applied, pieced, "same applied schedule, losses included");
        assertArrayEquals(params(uninterrupted), params(part));
        assertEquals(uninterrupted.iterationCount(), part.iterationCount());
    }

    @Test
    void dataThatChangesItersPerEpochIsRefusedForALaterPart() {
        OneCycleTrainer t = trainer(new Recording()).optStartEpoch(1).optExpectedItersPerEpoch(21).build();
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> t.fit(sc, freshNetwork(), data()));
        assertEquals("itersPerEpoch", e.parameter());
        assertTrue(e.getMessage().contains("21") && e.getMessage().contains("20"), e.getMessage());
    }

    @Test
    void sliceOutsideTheCycleIsRefusedBeforeTraining() {
        assertThrows(InvalidParameterException.class,
                () -> trainer(new Recording()).optStartEpoch(2).optEpochs(2).build());
        assertThrows(InvalidParameterException.class,
                () -> trainer(new Recording()).optStartEpoch(3).build());
    }

    @Test
    void barrierAndJobPerRoundPathsGiveBitwiseTheSameResult() {
        Recording viaDriver = new Recording();
        Recording viaBarrier = new Recording();
        Recording viaBarrierOneRoundPerJob = new Recording();
        Network a = freshNetwork();
        Network b = freshNetwork();
        Network c = freshNetwork();
        trainer(viaDriver).optEpochs(2).optAveraging(AveragingPath.DRIVER).build().fit(sc, a, data());
        trainer(viaBarrier).optEpochs(2).optAveraging(AveragingPath.BARRIER).optRoundsPerJob(3).build().fit(sc, b, data());
        trainer(viaBarrierOneRoundPerJob).optEpochs(2).optAveraging(AveragingPath.BARRIER).optRoundsPerJob(1).build()
                .fit(sc, c, data());
        assertArrayEquals(params(a), params(b));
        assertArrayEquals(params(a), params(c));
        assertArrayEquals(a.updaterState().dup().data().asFloat(), b.updaterState().dup().data().asFloat());
        assertEquals(viaDriver.applied, viaBarrier.applied, "same applied schedule and losses");
        assertEquals(viaDriver.applied, viaBarrierOneRoundPerJob.applied);
        assertEquals(a.iterationCount(), b.iterationCount());
    }

    /**
     * Examples held on the driver train bitwise as the same examples as an RDD: the shards each worker builds
     * from DriverData's broadcast (no shuffle) equal those the shuffle assembles from the RDD's blocks.
     */
    @Test
    void driverHeldExamplesBuiltIntoShardsWhereTheyTrainGiveBitwiseTheShuffledRunsResult() {
        Recording viaShuffle = new Recording();
        Recording viaReplica = new Recording();
        Network a = freshNetwork();
        Network b = freshNetwork();
        try (DriverData d = new DriverData(sc, images, 10, 3)) {
            trainer(viaShuffle).optEpochs(2).build().fit(sc, a, d.rdd());
            trainer(viaReplica).optEpochs(2).build().fit(sc, b, d);
        }
        assertArrayEquals(params(a), params(b));
        assertArrayEquals(a.updaterState().dup().data().asFloat(), b.updaterState().dup().data().asFloat());
        assertEquals(viaShuffle.applied, viaReplica.applied, "same applied schedule and losses");
        assertEquals(viaShuffle.epochs.size(), viaReplica.epochs.size());
    }

    /** Every worker count, even or not: the shard a worker builds from all examples is the shuffle's, bitwise. */
    @Test
    void aShardBuiltFromAllExamplesEqualsTheShuffledShard() {
        for (int workers : new int[] {1, 2, 3, 5}) {
            int[] positions = DataSpread.positions(9, 1, EXAMPLES);
            Broadcast<int[]> p = sc.broadcast(positions);
            List<WorkerShard> shuffled = DataSpread.shards(DataSpread.blocks(data()).cache(),
                    DataSpread.offsets(DataSpread.blocks(data()).map(x -> x.count).collect()), p, workers, BATCH).collect();
            for (int w = 0; w < workers; w++) {
                WorkerShard built = DataSpread.shard(images, 10, positions, workers, w, BATCH);
                WorkerShard moved = shuffled.get(w);
                assertEquals(moved.size(), built.size(), workers + " workers, worker " + w);
                for (int step = 0; step < moved.numBatches(); step++) {
                    assertArrayEquals(moved.batch(step).getFeatures().data().asFloat(),
                            built.batch(step).getFeatures().data().asFloat(), "features of step " + step);
                    assertArrayEquals(moved.batch(step).getLabels().data().asFloat(),
                            built.batch(step).getLabels().data().asFloat(), "labels of step " + step);
                    assertArrayEquals(moved.batch(step).getFeatures().shape(), built.batch(step).getFeatures().shape());
                }
            }
            p.destroy();
        }
    }

    @Test
    void workersThatLoseTheirCachedNetworksRebuildThemAndGetBitwiseTheSameResult() {
        Network cached = freshNetwork();
        trainer(new Recording()).optEpochs(2).optAveraging(AveragingPath.DRIVER).build().fit(sc, cached, data());
        for (AveragingPath path : List.of(AveragingPath.DRIVER, AveragingPath.BARRIER)) {
            Network lost = freshNetwork();
            int[] rounds = {0};
            trainer(new Recording()).optEpochs(2).optAveraging(path).optRoundsPerJob(2).optObserver(new TrainingObserver() {
                @Override
                public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
                    if (rounds[0]++ % 3 == 1) {
                        WorkerNetworks.clear(); // what a lost executor or a rerun task finds
                    }
                }
            }).build().fit(sc, lost, data());
            assertArrayEquals(params(cached), params(lost), path.id());
        }
        assertEquals(0, WorkerNetworks.size(), "a finished fit leaves no cached network behind");
    }

    @Test
    void moreWorkersThanCoresSumInAFixedTreeOrderReproducibly() {
        Recording rec = new Recording();
        Network a = freshNetwork();
        Network b = freshNetwork();
        // 4 workers on local[2]: the barrier path cannot run, auto takes a job per round, groups of 2 summed on executors
        TrainingPlan plan = OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(1).setWorkers(4)
                .setBatchSizePerWorker(BATCH).optAveraging(AveragingPath.AUTO).optObserver(rec).build().fit(sc, a, data());
        OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(1).setWorkers(4).setBatchSizePerWorker(BATCH)
                .optAveraging(AveragingPath.DRIVER).build().fit(sc, b, data());
        assertEquals(10, plan.slice().itersPerEpoch()); // ceil(ceil(611 / 4) / 16)
        assertEquals(4 * 10, rec.applied.size());
        assertArrayEquals(params(a), params(b));
        Network linear = freshNetwork();
        OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(1).setWorkers(4).setBatchSizePerWorker(BATCH)
                .optAggregationDepth(1).build().fit(sc, linear, data());
        assertTrue(rec.epochs.get(0).trainLoss() > 0);
    }

    @Test
    void barrierPathWithMoreWorkersThanTaskSlotsIsRefusedNamingTheSettingBeforeAnyJob() throws Exception {
        OneCycleTrainer t = OneCycleTrainer.builder().setPolicy(POLICY).setTotEpochs(1).setWorkers(3)
                .setBatchSizePerWorker(BATCH).optAveraging(AveragingPath.BARRIER).build();
        JavaRDD<DataSet> data = data();
        java.util.List<String> jobs = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                jobs.add(String.valueOf(start.properties().getProperty("spark.job.description")));
            }
        };
        sc.sc().addSparkListener(listener);
        try {
            InvalidParameterException e = assertThrows(InvalidParameterException.class,
                    () -> t.fit(sc, freshNetwork(), data));
            assertEquals("averaging", e.parameter());
            assertTrue(e.getMessage().contains("3") && e.getMessage().contains("2"), e.getMessage());
            sc.sc().listenerBus().waitUntilEmpty();
            assertEquals(java.util.List.of(), jobs, "a local master's task slots are known: refused before any job");
        } finally {
            sc.sc().removeSparkListener(listener);
        }
    }

    @Test
    void everyJobOfAFitRunsInTheCallersJobGroupWhichIsRestoredAfter() throws Exception {
        java.util.Set<String> groups = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.List<String> descriptions = java.util.Collections.synchronizedList(new ArrayList<>());
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                groups.add(String.valueOf(start.properties().getProperty("spark.jobGroup.id")));
                descriptions.add(String.valueOf(start.properties().getProperty("spark.job.description")));
            }
        };
        sc.sc().addSparkListener(listener);
        try {
            for (AveragingPath path : List.of(AveragingPath.DRIVER, AveragingPath.BARRIER)) {
                groups.clear();
                descriptions.clear();
                sc.setJobGroup("zeppelin|anonymous|note|paragraph_1", "the paragraph", false);
                sc.setLocalProperty("spark.job.description", "the paragraph");
                trainer(new Recording()).optEpochs(1).optAveraging(path).build().fit(sc, freshNetwork(), data());
                sc.sc().listenerBus().waitUntilEmpty();
                assertEquals(java.util.Set.of("zeppelin|anonymous|note|paragraph_1"), groups, path.id());
                assertTrue(descriptions.stream().anyMatch(d -> d.startsWith("1cycle epoch 0 round")), descriptions.toString());
                assertEquals("zeppelin|anonymous|note|paragraph_1", sc.getLocalProperty("spark.jobGroup.id"));
                assertEquals("the paragraph", sc.getLocalProperty("spark.job.description"));
                assertEquals("false", sc.getLocalProperty("spark.job.interruptOnCancel"));
            }
            sc.clearJobGroup();
            trainer(new Recording()).optEpochs(1).build().fit(sc, freshNetwork(), data());
            assertEquals(null, sc.getLocalProperty("spark.jobGroup.id"), "without a caller's group nothing is left set");
        } finally {
            sc.sc().removeSparkListener(listener);
            sc.clearJobGroup();
        }
    }

    @Test
    void cancellingTheCallersJobGroupStopsTrainingAtTheCurrentRound(@TempDir Path dir) throws Exception {
        for (AveragingPath path : List.of(AveragingPath.DRIVER, AveragingPath.BARRIER)) {
            String group = "zeppelin|anonymous|note|cancel_" + path.id();
            dev.onecycle.checkpoint.CheckpointStore store = dev.onecycle.checkpoint.CheckpointStore.open(
                    dir.resolve("ckpt-" + path.id()).toString(), new org.apache.hadoop.conf.Configuration());
            dev.onecycle.checkpoint.CheckpointLock lock = store.lock(java.time.Duration.ofMinutes(5), m -> { });
            java.util.concurrent.atomic.AtomicInteger jobsAfterCancel = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.CountDownLatch midEpoch = new java.util.concurrent.CountDownLatch(1);
            org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
                @Override
                public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                    if (!group.equals(start.properties().getProperty("spark.jobGroup.id"))) {
                        return;
                    }
                    if (cancelled.get()) {
                        jobsAfterCancel.incrementAndGet();
                    } else if (String.valueOf(start.properties().getProperty("spark.job.description"))
                            .startsWith("1cycle epoch 0 round 3/")) {
                        midEpoch.countDown(); // a round job of the first epoch is running
                    }
                }
            };
            sc.sc().addSparkListener(listener);
            Network net = freshNetwork();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread paragraph = new Thread(() -> {
                sc.setJobGroup(group, "paragraph", false);
                try {
                    trainer(new Recording()).setTotEpochs(50).optAveraging(path).optRoundsPerJob(1)
                            .optObserver(new EpochCheckpointer(store, lock, 3, new java.io.PrintWriter(new java.io.StringWriter())))
                            .build().fit(sc, net, data());
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    assertEquals(group, sc.getLocalProperty("spark.jobGroup.id"), "the caller's group is kept");
                }
            });
            try {
                paragraph.start();
                assertTrue(midEpoch.await(2, java.util.concurrent.TimeUnit.MINUTES), "training started");
                cancelled.set(true);
                long t0 = System.nanoTime();
                sc.cancelJobGroup(group);
                paragraph.join(30_000);
                assertTrue(!paragraph.isAlive(), "fit ended after the cancel");
                assertTrue((System.nanoTime() - t0) / 1e9 < 10, "fit ended within seconds");
                assertTrue(failure.get() instanceof TrainingCancelledException, String.valueOf(failure.get()));
                TrainingCancelledException e = (TrainingCancelledException) failure.get();
                assertEquals(e.iterationsDone(), net.iterationCount(), "the network holds the state it names");
                assertTrue(e.getMessage().contains(group), e.getMessage());
                sc.sc().listenerBus().waitUntilEmpty();
                assertEquals(0, jobsAfterCancel.get(), "no further round jobs");
                assertTrue(net.iterationCount() <= 18, "stopped in the first epoch: " + net.iterationCount());
                lock.close();
                assertTrue(store.cleanTemporaries().isEmpty(), "no checkpoint half-written");
                for (org.apache.hadoop.fs.Path c : store.candidates()) {
                    store.verify(c);
                }
            } finally {
                sc.sc().removeSparkListener(listener);
                paragraph.join();
            }
        }
    }

    @Test
    void aCancelWhileTheDriverIsBetweenJobsAtTheEndOfAnEpochIsNotLost() {
        String group = "zeppelin|anonymous|note|between_jobs";
        sc.setJobGroup(group, "paragraph", false);
        Network net = freshNetwork();
        try {
            TrainingCancelledException e = assertThrows(TrainingCancelledException.class, () -> trainer(new Recording())
                    .optObserver(new TrainingObserver() {
                        @Override
                        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
                            sc.cancelJobGroup(group); // no round job runs now: the driver evaluates, checkpoints...
                        }
                    }).build().fit(sc, net, data()));
            assertEquals(0, e.epoch());
            assertEquals(20, e.iterationsDone());
            assertEquals(20, net.iterationCount(), "stopped after the first epoch");
        } finally {
            sc.clearJobGroup();
        }
    }

    @Test
    void tasksTrainWithOneNd4jThreadEachAndTheDriversCountsAreBackAfterFit() {
        int[] before = TaskThreads.current();
        int[] during = new int[3];
        trainer(new Recording()).optEpochs(1).optObserver(new TrainingObserver() {
            @Override
            public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
                System.arraycopy(TaskThreads.current(), 0, during, 0, 3); // local mode: the tasks' process
            }
        }).build().fit(sc, freshNetwork(), data());
        // libnd4j keeps maxThreads (the pool's size); its parallel loops use maxMasterThreads, BLAS its own count
        assertEquals(1, during[1], "spark.task.cpus = 1: libnd4j's loop threads per task");
        assertEquals(1, during[2], "and OpenBLAS threads");
        assertArrayEquals(before, TaskThreads.current());
    }

    @Test
    void itersPerEpochCountsTheFullestWorker() {
        assertEquals(20, DataSpread.itersPerEpoch(611, 2, 16));
        assertEquals(1, DataSpread.itersPerEpoch(2, 2, 16));
        assertEquals(5, DataSpread.itersPerEpoch(9, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> DataSpread.itersPerEpoch(1, 2, 16));
        CycleSlice s = CycleSlice.full(3, DataSpread.itersPerEpoch(611, 2, 16));
        assertEquals(60, s.totalIterations());
    }
}
