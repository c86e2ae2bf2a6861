package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A real Spark standalone cluster (master + two workers, separate JVMs from the project's jars, see
 * {@link StandaloneCluster}); jobs are submitted through {@code spark-submit/onecycle-standalone}:
 * <ol>
 * <li>client mode, uninterrupted: the applied schedule is the policy's, row by row (the reference run);</li>
 * <li>client mode, one worker and its executor SIGKILLed mid-epoch: Spark reruns the lost tasks on the other
 * worker; the job finishes with the reference's applied schedule and parameters;</li>
 * <li>cluster mode with --supervise and mid-epoch checkpoints, the driver SIGKILLed mid-epoch just after one: the
 * worker relaunches it, it resumes from that mid-epoch checkpoint (not from the epoch's start), and the final
 * model equals the reference bitwise.</li>
 * </ol>
 * Before them, GPU scheduling with fake GPUs: each worker announces GPUs "0" and "1" through
 * {@code conf/gpu-discovery.sh} (a fake {@code nvidia-smi} on its PATH); a job asks for 2 GPUs per executor and 1
 * per task, and every row of {@code applied-schedule.csv} names the address Spark assigned to its task (read
 * independently from the driver's scheduler log), the two concurrent tasks of every round on different ones.
 * ND4J runs its CPU backend here, so the label is {@code cpu(assigned-gpu:N)}.
 * Every process is stopped by PID at the end, pass or fail, and nothing is left listening.
 */
class StandaloneClusterIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path DIR = ROOT.resolve(System.getProperty("onecycle.build.directory", "target")).resolve("cluster-it");
    private static final Duration RUN = Duration.ofMinutes(4);
    private static final int TOT_EPOCHS = 3;
    // ceil(ceil(6000 / 2) / 8): epochs of several seconds, so the kills land mid-epoch (the trainer is fast now)
    private static final int ITERS_PER_EPOCH = 375;

    private static List<String> trainArgs(Path runDir) {
        return List.of("--workers", "2", "--seed", "7", "--tot-epochs", String.valueOf(TOT_EPOCHS),
                "--max-examples", "6000", "--hidden", "16", "--batch-size", "8", "--averaging-frequency", "2",
                "--run-dir", runDir.toString());
    }

    @Test
    void trainsOnARealStandaloneClusterAndSurvivesAWorkerAndADriverKilled() throws Exception {
        deleteTree(DIR);
        Files.createDirectories(DIR);
        Path sparkHome = makeSparkHome(DIR);

        try (StandaloneCluster cluster = new StandaloneCluster(sparkHome, DIR)) {
            try {
                cluster.startMaster();
                startWorkerWithFakeGpus(cluster, "127.0.0.2");
                startWorkerWithFakeGpus(cluster, "127.0.0.3");

                // 0. fake GPUs: each task's rows name the GPU address Spark assigned to that task
                Path gpus = DIR.resolve("run-fake-gpus");
                Process g = cluster.start(fakeGpuSubmission(cluster, gpus), "127.0.0.1",
                        DIR.resolve("run-fake-gpus.log"), Map.of("ONECYCLE_DRIVER_JAVA_OPTS",
                                "-Dlog4j.configurationFile=" + schedulerLogConfig()));
                assertTrue(g.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "fake-GPU run did not finish");
                assertEquals(0, g.exitValue(), read(DIR.resolve("run-fake-gpus.log")));
                assertRowsNameTheirTasksGpu(Files.readAllLines(gpus.resolve("applied-schedule.csv")),
                        read(DIR.resolve("run-fake-gpus.log")));

                // 1. client mode, uninterrupted: the reference
                Path reference = DIR.resolve("run-client");
                Process a = submit(cluster, "client", false, reference, "run-client.log");
                assertTrue(a.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "reference run did not finish");
                assertEquals(0, a.exitValue(), Files.readString(DIR.resolve("run-client.log")));
                List<String> schedule = Files.readAllLines(reference.resolve("applied-schedule.csv"));
                assertScheduleIsThePolicys(schedule);

                // the same job in local mode (2 task slots, one ND4J thread per task as on the cluster): bitwise the
                // cluster's result, losses included
                Path local = DIR.resolve("run-local");
                List<String> localCmd = new ArrayList<>(List.of(ROOT.resolve("spark-submit/onecycle-local").toString(),
                        "--cores", "2", "--conf", "spark.ui.enabled=false"));
                localCmd.addAll(trainArgs(local));
                Process l = cluster.start(localCmd, "127.0.0.1", DIR.resolve("run-local.log"));
                assertTrue(l.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "local run did not finish");
                assertEquals(0, l.exitValue(), Files.readString(DIR.resolve("run-local.log")));
                assertSameResult(reference, local);

                // 2. client mode, a worker SIGKILLed mid-epoch
                Path workerKilled = DIR.resolve("run-worker-killed");
                Path log = DIR.resolve("run-worker-killed.log");
                Process b = submit(cluster, "client", false, workerKilled, "run-worker-killed.log");
                awaitMidEpoch2(() -> read(log), workerKilled, b);
                assertEquals(2, cluster.workerChildren("CoarseGrainedExecutorBackend").size(), "one executor per worker");
                cluster.killWorker("127.0.0.3");
                boolean epoch2Written = Files.exists(workerKilled.resolve("checkpoints/epoch-0002"));
                assertTrue(b.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "the job did not finish after the worker died");
                assertEquals(0, b.exitValue(), read(log));
                assertFalse(epoch2Written, "the worker was killed mid-epoch 2");
                assertTrue(read(log).contains("Lost executor"),
                        "the driver saw the executor go: " + read(log));
                assertSameResult(reference, workerKilled);

                // 3. cluster mode + --supervise, the driver SIGKILLed mid-epoch
                startWorkerWithFakeGpus(cluster, "127.0.0.3");
                Path supervised = DIR.resolve("run-cluster-supervised");
                Process c = submit(cluster, "cluster", true, supervised, "run-cluster-supervised-submit.log",
                        "--checkpoint-every", "40");
                assertTrue(c.waitFor(2, TimeUnit.MINUTES), "spark-submit did not return after submitting the driver");
                assertEquals(0, c.exitValue(), read(DIR.resolve("run-cluster-supervised-submit.log")));
                String driverId = awaitActiveDriver(cluster);
                awaitMidEpoch2(() -> driverStdout(cluster, driverId), supervised, null);
                // just after a mid-epoch checkpoint of epoch 2 (on the barrier path: at the job boundary past round 40)
                StandaloneCluster.await(() -> Pattern.compile("checkpoint epoch-0001-round-\\d{4} written")
                        .matcher(driverStdout(cluster, driverId)).find(), RUN, "a mid-epoch checkpoint in epoch 2");
                List<ProcessHandle> drivers = cluster.workerChildren("DriverWrapper");
                assertEquals(1, drivers.size(), "one driver JVM");
                long killedPid = drivers.get(0).pid();
                drivers.get(0).destroyForcibly();
                drivers.get(0).onExit().get(30, TimeUnit.SECONDS);
                assertFalse(Files.exists(supervised.resolve("checkpoints/epoch-0002")), "killed mid-epoch 2");
                StandaloneCluster.await(() -> cluster.workerChildren("DriverWrapper").stream()
                        .anyMatch(p -> p.pid() != killedPid), Duration.ofSeconds(90), "the worker to relaunch the driver");
                StandaloneCluster.await(() -> driverState(cluster, driverId).equals("FINISHED"), RUN,
                        "the relaunched driver to finish (state " + driverState(cluster, driverId) + ")\n"
                                + driverStdout(cluster, driverId));
                String out = driverStdout(cluster, driverId);
                assertTrue(Pattern.compile("resuming from \\S*epoch-0001-round-\\d{4}: 1 of 3 epochs and \\d+ rounds")
                        .matcher(out).find(), "resumed inside epoch 2, not at its start: " + out);
                assertSameResult(reference, supervised);
            } finally {
                System.out.println("cluster test folder: " + DIR);
            }
            cluster.close();
            assertEquals(List.of(), cluster.alive(), "every process started is stopped");
            assertEquals(List.of(), StandaloneCluster.processesMentioning(DIR.toString()), "no process left over");
            assertNothingListens(cluster.endpoints());
        }
    }

    /** {@code dir}/spark-home made by {@code onecycle-standalone --make-spark-home}: jars/ of the project's classpath. */
    static Path makeSparkHome(Path dir) throws Exception {
        Path sparkHome = dir.resolve("spark-home");
        Process make = new ProcessBuilder(ROOT.resolve("spark-submit/onecycle-standalone").toString(),
                "--make-spark-home", sparkHome.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("make-spark-home.log").toFile()).start();
        assertTrue(make.waitFor(5, TimeUnit.MINUTES) && make.exitValue() == 0,
                Files.readString(dir.resolve("make-spark-home.log")));
        return sparkHome;
    }

    private static Process submit(StandaloneCluster cluster, String mode, boolean supervise, Path runDir, String log,
            String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("spark-submit/onecycle-standalone").toString(),
                "--master", cluster.masterUrl(), "--deploy-mode", mode, "--executor-memory", "1g",
                "--executor-cores", "1", "--total-executor-cores", "2", "--driver-memory", "1g",
                "--conf", "spark.ui.enabled=false"));
        if (supervise) {
            cmd.add("--supervise");
        }
        cmd.addAll(trainArgs(runDir));
        cmd.addAll(List.of(extraArgs));
        return cluster.start(cmd, "127.0.0.1", DIR.resolve(log));
    }

    /**
     * A worker announcing 2 GPUs ("0", "1"), found by the project's {@code conf/gpu-discovery.sh} through a fake
     * {@code nvidia-smi} on the worker's PATH.
     */
    private static void startWorkerWithFakeGpus(StandaloneCluster cluster, String host) throws Exception {
        Path bin = DIR.resolve("fake-gpu-bin");
        Path smi = bin.resolve("nvidia-smi");
        if (!Files.exists(smi)) {
            Files.createDirectories(bin);
            Files.writeString(smi, "#!/bin/sh\n# fake: two GPUs, as `nvidia-smi --query-gpu=index --format=csv,noheader`\n"
                    + "printf '0\\n1\\n'\n");
            smi.toFile().setExecutable(true);
            Files.writeString(DIR.resolve("worker-gpus.conf"), "spark.worker.resource.gpu.amount 2\n"
                    + "spark.worker.resource.gpu.discoveryScript " + ROOT.resolve("conf/gpu-discovery.sh") + "\n");
        }
        cluster.startWorker(host, List.of("--properties-file", DIR.resolve("worker-gpus.conf").toString()),
                Map.of("PATH", bin + ":" + System.getenv("PATH")));
    }

    /** One executor with 2 cores and both GPUs of its worker, 1 GPU per task: two tasks at a time, 2 workers. */
    private static List<String> fakeGpuSubmission(StandaloneCluster cluster, Path runDir) {
        return List.of(ROOT.resolve("spark-submit/onecycle-standalone").toString(), "--master", cluster.masterUrl(),
                "--executor-memory", "1g", "--executor-cores", "2", "--total-executor-cores", "2",
                "--driver-memory", "1g", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.resource.gpu.amount=2", "--conf", "spark.task.resource.gpu.amount=1",
                "--workers", "2", "--seed", "7", "--tot-epochs", "1", "--max-examples", "1000", "--hidden", "16",
                "--batch-size", "8", "--averaging-frequency", "2", "--keep-checkpoints", "0",
                // a Spark stage per round, so each round's rows can be matched with its tasks' assignments (the
                // barrier path binds with the same TaskDevice call)
                "--averaging", "driver", "--run-dir", runDir.toString());
    }

    /** The project's log4j2 settings plus Spark's TaskSetManager at INFO: its lines name each task's GPUs. */
    private static Path schedulerLogConfig() throws IOException {
        Path conf = DIR.resolve("log4j2-scheduler.properties");
        Files.writeString(conf, Files.readString(ROOT.resolve("conf/log4j2.properties"))
                + "\nlogger.tsm.name = org.apache.spark.scheduler.TaskSetManager\nlogger.tsm.level = info\n");
        return conf;
    }

    /** The driver's "Starting task" line: Spark 3.5 logs {@code (host, executor N, ...) ... Map(gpu -> [name: gpu,
     *  addresses: A])}, Spark 4 {@code (host,executor N, ...) ... Map(gpu -> Map(A -> amount))}; group 7 is A. */
    private static final Pattern STARTING = Pattern.compile("Starting task (\\d+)\\.(\\d+) in stage (\\d+)\\.\\d+ "
            + "\\(TID \\d+\\) \\(([^,]+), ?executor ([^,]+), partition (\\d+), [^)]*\\) "
            + "taskResourceAssignments Map\\(gpu -> (?:\\[name: gpu, addresses: |Map\\()([^\\]\\s]*)(?:\\]| -> \\d+\\))\\)");
    private static final Pattern FINISHED = Pattern.compile("Finished task \\d+\\.\\d+ in stage (\\d+)\\.");

    /**
     * Every row's device is {@code cpu(assigned-gpu:N)} with N the address Spark's scheduler logged for that
     * worker's task in that round; the two tasks of a round ran at the same time on one executor, on different
     * addresses.
     */
    private static void assertRowsNameTheirTasksGpu(List<String> rows, String driverLog) {
        assertEquals("iteration,epoch,lr,momentum,worker,round,score,device", rows.get(0));
        // the CSV: (round -> worker -> device), rounds in order
        Map<Integer, Map<Integer, String>> byRound = new TreeMap<>();
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            String before = byRound.computeIfAbsent(Integer.parseInt(f[5]), r -> new TreeMap<>())
                    .putIfAbsent(Integer.parseInt(f[4]), f[7]);
            assertTrue(before == null || before.equals(f[7]), "one task, one device: " + row);
        }
        assertEquals(32, byRound.size(), "rounds of ceil(63 / 2)");
        // the scheduler log: stage -> partition -> address, and where and when each task ran
        Map<Integer, Map<Integer, String>> byStage = new TreeMap<>();
        Map<Integer, List<String>> executors = new TreeMap<>();
        Map<Integer, Integer> startedBeforeFirstFinish = new TreeMap<>();
        java.util.Set<Integer> finishing = new java.util.HashSet<>();
        for (String line : driverLog.split("\\R")) {
            Matcher m = STARTING.matcher(line);
            if (m.find()) {
                int stage = Integer.parseInt(m.group(3));
                assertEquals("0", m.group(2), "no task attempt was retried: " + line);
                byStage.computeIfAbsent(stage, k -> new TreeMap<>()).put(Integer.parseInt(m.group(6)), m.group(7));
                executors.computeIfAbsent(stage, k -> new ArrayList<>()).add(m.group(4) + "/" + m.group(5));
                if (!finishing.contains(stage)) {
                    startedBeforeFirstFinish.merge(stage, 1, Integer::sum);
                }
            }
            Matcher f = FINISHED.matcher(line);
            if (f.find()) {
                finishing.add(Integer.parseInt(f.group(1)));
            }
        }
        // the rounds are the job's last stages of two tasks (the end-of-epoch watch job has one)
        List<Integer> stages = new ArrayList<>();
        byStage.forEach((stage, tasks) -> {
            if (tasks.size() == 2) {
                stages.add(stage);
            }
        });
        assertTrue(stages.size() >= byRound.size(), "the driver logged its tasks' GPUs:\n" + driverLog);
        List<Integer> roundStages = stages.subList(stages.size() - byRound.size(), stages.size());
        int k = 0;
        java.util.Set<String> used = new java.util.TreeSet<>();
        for (Map.Entry<Integer, Map<Integer, String>> round : byRound.entrySet()) {
            int stage = roundStages.get(k++);
            Map<Integer, String> assigned = byStage.get(stage);
            assertEquals(java.util.Set.of(0, 1), assigned.keySet(), "stage " + stage + " trains both workers");
            for (Map.Entry<Integer, String> w : round.getValue().entrySet()) {
                assertEquals("cpu(assigned-gpu:" + assigned.get(w.getKey()) + ")", w.getValue(),
                        "round " + round.getKey() + ", worker " + w.getKey() + " (stage " + stage + ")");
                used.add(assigned.get(w.getKey()));
            }
            assertEquals(1, new java.util.HashSet<>(executors.get(stage)).size(),
                    "both tasks of stage " + stage + " on one executor: " + executors.get(stage));
            assertEquals(2, startedBeforeFirstFinish.get(stage), "the two tasks of stage " + stage + " ran concurrently");
            assertFalse(assigned.get(0).equals(assigned.get(1)),
                    "two concurrent tasks never share a GPU: stage " + stage + " " + assigned);
        }
        assertEquals(java.util.Set.of("0", "1"), used, "both fake GPUs were used");
    }

    /** Waits until epoch 1's checkpoint is written and epoch 2 has made progress, but is not finished. */
    private static void awaitMidEpoch2(java.util.function.Supplier<String> output, Path runDir, Process job)
            throws InterruptedException {
        StandaloneCluster.await(() -> {
            if (job != null && !job.isAlive()) {
                throw new AssertionError("the job ended early:\n" + output.get());
            }
            String out = output.get();
            int written = out.indexOf("checkpoint epoch-0001 written");
            return written >= 0 && out.indexOf("epoch 2/" + TOT_EPOCHS + "  iter", written) >= 0;
        }, RUN, "mid-epoch 2 in " + runDir);
    }

    private static String awaitActiveDriver(StandaloneCluster cluster) throws InterruptedException {
        String[] id = new String[1];
        StandaloneCluster.await(() -> {
            JsonNode drivers = cluster.state().map(s -> s.path("activedrivers")).orElse(null);
            if (drivers != null && drivers.size() == 1 && "RUNNING".equals(drivers.get(0).path("state").asText())) {
                id[0] = drivers.get(0).path("id").asText();
                return true;
            }
            return false;
        }, Duration.ofSeconds(90), "a running driver");
        return id[0];
    }

    private static String driverState(StandaloneCluster cluster, String driverId) {
        return cluster.state().map(s -> {
            for (String list : List.of("activedrivers", "completeddrivers")) {
                for (JsonNode d : s.path(list)) {
                    if (driverId.equals(d.path("id").asText())) {
                        return d.path("state").asText();
                    }
                }
            }
            return "UNKNOWN";
        }).orElse("NO MASTER");
    }

    /** The driver's stdout in its worker's work folder (a relaunch runs in the same folder). */
    private static String driverStdout(StandaloneCluster cluster, String driverId) {
        StringBuilder all = new StringBuilder();
        for (String host : List.of("127.0.0.2", "127.0.0.3")) {
            Path work = cluster.workDir(host);
            if (work != null) {
                all.append(read(work.resolve(driverId).resolve("stdout")));
            }
        }
        return all.toString();
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Every row's LR and momentum are the policy's at that cycle iteration; every iteration on both workers. */
    private static void assertScheduleIsThePolicys(List<String> rows) {
        assertScheduleIsThePolicys(rows, TOT_EPOCHS, ITERS_PER_EPOCH);
    }

    /** The same for a cycle of {@code totEpochs} x {@code itersPerEpoch} (lr-max 0.1) on 2 workers, CPU only. */
    static void assertScheduleIsThePolicys(List<String> rows, int totEpochs, int itersPerEpoch) {
        assertEquals("iteration,epoch,lr,momentum,worker,round,score,device", rows.get(0));
        assertEquals(1 + totEpochs * itersPerEpoch * 2, rows.size(), "one row per iteration per worker");
        OneCycleSchedule expected = OneCyclePolicy.builder().setLrMax(0.1).build()
                .schedule(CycleSlice.full(totEpochs, itersPerEpoch));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            long it = Long.parseLong(f[0]);
            assertEquals(it / itersPerEpoch, Long.parseLong(f[1]), row);
            assertEquals(expected.lr(it), Double.parseDouble(f[2]), 0.0, row);
            assertEquals(expected.momentum(it), Double.parseDouble(f[3]), 0.0, row);
            assertEquals("cpu", f[7], "no GPU asked for: " + row);
        }
    }

    static void assertSameResult(Path reference, Path run) throws IOException {
        assertEquals(Files.readAllLines(reference.resolve("applied-schedule.csv")),
                Files.readAllLines(run.resolve("applied-schedule.csv")), "same applied schedule and scores, every row");
        assertEquals(Network.restore(reference.resolve("model.zip").toFile()).paramsSha256(),
                Network.restore(run.resolve("model.zip").toFile()).paramsSha256(), "bitwise identical final parameters");
    }

    /** Every daemon port can be bound again: nothing listens there any more. */
    static void assertNothingListens(List<String> endpoints) throws IOException {
        for (String endpoint : endpoints) {
            String[] hp = endpoint.split(":");
            try (ServerSocket s = new ServerSocket(Integer.parseInt(hp[1]), 1, InetAddress.getByName(hp[0]))) {
                assertTrue(s.isBound(), endpoint);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
