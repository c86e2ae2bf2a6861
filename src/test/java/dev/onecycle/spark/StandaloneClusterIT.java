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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A real Spark standalone cluster (master + two workers, separate JVMs from the project's jars, see
 * {@link StandaloneCluster}); jobs are submitted through {@code spark-submit/onecycle-standalone}:
 * <ol>
 * <li>client mode, uninterrupted: the applied schedule is the policy's, row by row (the reference run);</li>
 * <li>client mode, one worker and its executor SIGKILLed mid-epoch: Spark reruns the lost tasks on the other
 * worker; the job finishes with the reference's applied schedule and parameters;</li>
 * <li>cluster mode with --supervise, the driver SIGKILLed mid-epoch: the worker relaunches it, it resumes from
 * the last checkpoint, and the final model equals the reference bitwise.</li>
 * </ol>
 * Every process is stopped by PID at the end, pass or fail, and nothing is left listening.
 */
class StandaloneClusterIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path DIR = ROOT.resolve("target/cluster-it");
    private static final Duration RUN = Duration.ofMinutes(4);
    private static final int TOT_EPOCHS = 3;
    private static final int ITERS_PER_EPOCH = 63; // ceil(ceil(1000 / 2) / 8)

    private static List<String> trainArgs(Path runDir) {
        return List.of("--workers", "2", "--seed", "7", "--tot-epochs", String.valueOf(TOT_EPOCHS),
                "--max-examples", "1000", "--hidden", "16", "--batch-size", "8", "--averaging-frequency", "2",
                "--run-dir", runDir.toString());
    }

    @Test
    void trainsOnARealStandaloneClusterAndSurvivesAWorkerAndADriverKilled() throws Exception {
        deleteTree(DIR);
        Files.createDirectories(DIR);
        Path sparkHome = DIR.resolve("spark-home");
        Process make = new ProcessBuilder(ROOT.resolve("spark-submit/onecycle-standalone").toString(),
                "--make-spark-home", sparkHome.toString()).redirectErrorStream(true)
                .redirectOutput(DIR.resolve("make-spark-home.log").toFile()).start();
        assertTrue(make.waitFor(5, TimeUnit.MINUTES) && make.exitValue() == 0,
                Files.readString(DIR.resolve("make-spark-home.log")));

        try (StandaloneCluster cluster = new StandaloneCluster(sparkHome, DIR)) {
            try {
                cluster.startMaster();
                cluster.startWorker("127.0.0.2");
                cluster.startWorker("127.0.0.3");

                // 1. client mode, uninterrupted: the reference
                Path reference = DIR.resolve("run-client");
                Process a = submit(cluster, "client", false, reference, "run-client.log");
                assertTrue(a.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "reference run did not finish");
                assertEquals(0, a.exitValue(), Files.readString(DIR.resolve("run-client.log")));
                List<String> schedule = Files.readAllLines(reference.resolve("applied-schedule.csv"));
                assertScheduleIsThePolicys(schedule);

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
                cluster.startWorker("127.0.0.3");
                Path supervised = DIR.resolve("run-cluster-supervised");
                Process c = submit(cluster, "cluster", true, supervised, "run-cluster-supervised-submit.log");
                assertTrue(c.waitFor(2, TimeUnit.MINUTES), "spark-submit did not return after submitting the driver");
                assertEquals(0, c.exitValue(), read(DIR.resolve("run-cluster-supervised-submit.log")));
                String driverId = awaitActiveDriver(cluster);
                awaitMidEpoch2(() -> driverStdout(cluster, driverId), supervised, null);
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
                assertTrue(out.contains("resuming from") && out.contains("epoch-0001"), out);
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

    private static Process submit(StandaloneCluster cluster, String mode, boolean supervise, Path runDir, String log)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("spark-submit/onecycle-standalone").toString(),
                "--master", cluster.masterUrl(), "--deploy-mode", mode, "--executor-memory", "1g",
                "--executor-cores", "1", "--total-executor-cores", "2", "--driver-memory", "1g",
                "--conf", "spark.ui.enabled=false"));
        if (supervise) {
            cmd.add("--supervise");
        }
        cmd.addAll(trainArgs(runDir));
        return cluster.start(cmd, "127.0.0.1", DIR.resolve(log));
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

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Every row's LR and momentum are the policy's at that cycle iteration; every iteration on both workers. */
    private static void assertScheduleIsThePolicys(List<String> rows) {
        assertEquals("iteration,epoch,lr,momentum,worker,round,score,device", rows.get(0));
        assertEquals(1 + TOT_EPOCHS * ITERS_PER_EPOCH * 2, rows.size(), "one row per iteration per worker");
        OneCycleSchedule expected = OneCyclePolicy.builder().setLrMax(0.1).build()
                .schedule(CycleSlice.full(TOT_EPOCHS, ITERS_PER_EPOCH));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            long it = Long.parseLong(f[0]);
            assertEquals(it / ITERS_PER_EPOCH, Long.parseLong(f[1]), row);
            assertEquals(expected.lr(it), Double.parseDouble(f[2]), 0.0, row);
            assertEquals(expected.momentum(it), Double.parseDouble(f[3]), 0.0, row);
        }
    }

    private static void assertSameResult(Path reference, Path run) throws IOException {
        assertEquals(Files.readAllLines(reference.resolve("applied-schedule.csv")),
                Files.readAllLines(run.resolve("applied-schedule.csv")), "same applied schedule and scores, every row");
        assertEquals(Network.restore(reference.resolve("model.zip").toFile()).paramsSha256(),
                Network.restore(run.resolve("model.zip").toFile()).paramsSha256(), "bitwise identical final parameters");
    }

    /** Every daemon port can be bound again: nothing listens there any more. */
    private static void assertNothingListens(List<String> endpoints) throws IOException {
        for (String endpoint : endpoints) {
            String[] hp = endpoint.split(":");
            try (ServerSocket s = new ServerSocket(Integer.parseInt(hp[1]), 1, InetAddress.getByName(hp[0]))) {
                assertTrue(s.isBound(), endpoint);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
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
