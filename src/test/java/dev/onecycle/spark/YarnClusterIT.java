package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;

/**
 * A real YARN cluster and HDFS ({@link MiniYarnHdfs}: Hadoop's MiniYARNCluster and MiniDFSCluster, in a JVM of
 * their own) with the data and the checkpoints on its HDFS; jobs are submitted through
 * {@code spark-submit/onecycle-yarn} as a user would, with {@code HADOOP_CONF_DIR} pointing at the cluster's
 * client configuration:
 * <ol>
 * <li>the same job in local mode (2 task slots, one ND4J thread per task): the reference;</li>
 * <li>client mode (the driver here, two executors in YARN containers): the applied schedule is the policy's, row
 * by row, and the result is the reference's bitwise;</li>
 * <li>cluster mode (the driver in the application master's container) with {@code spark.yarn.maxAppAttempts 2}:
 * the first attempt's driver JVM is SIGKILLed mid-epoch 2 after the epoch-1 checkpoint; YARN starts a second
 * attempt, which resumes from that checkpoint on HDFS ({@code --resume}, added by the script) and ends with the
 * reference's schedule and parameters, bitwise, both in its run folder and in the final checkpoint on HDFS.</li>
 * </ol>
 * Every process is stopped by PID at the end, pass or fail, and nothing is left listening.
 */
class YarnClusterIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path DIR = ROOT.resolve(System.getProperty("onecycle.build.directory", "target")).resolve("yarn-it");
    private static final Duration RUN = Duration.ofMinutes(4);
    private static final int TOT_EPOCHS = 2;
    // ceil(ceil(3000 / 2) / 4): epochs of several seconds even on an idle machine, so the kill lands mid-epoch
    private static final int ITERS_PER_EPOCH = 375;
    private static final Pattern APP_ID = Pattern.compile("application_(\\d+_\\d+)");

    private static List<String> trainArgs(Path runDir, String hdfs, String checkpoints) {
        return List.of("--workers", "2", "--seed", "7", "--tot-epochs", String.valueOf(TOT_EPOCHS),
                "--max-examples", "3000", "--hidden", "16", "--batch-size", "4", "--averaging-frequency", "2",
                "--data", hdfs + "/data/fashion-mnist", "--checkpoint-dir", hdfs + checkpoints,
                "--run-dir", runDir.toString());
    }

    @Test
    void trainsOnARealYarnClusterInClientAndClusterModeAndSurvivesTheDriverKilled() throws Exception {
        StandaloneClusterIT.deleteTree(DIR);
        Files.createDirectories(DIR);
        Path sparkHome = StandaloneClusterIT.makeSparkHome(DIR);
        Path conf = DIR.resolve("hadoop-conf");
        Path base = DIR.resolve("yarn");

        // The process tracker of the standalone test: every process started here is killed by PID at the end.
        try (StandaloneCluster procs = new StandaloneCluster(sparkHome, DIR)) {
            List<Long> containerPids = new ArrayList<>();
            try {
                List<String> yarnCmd = new ArrayList<>(List.of(StandaloneCluster.javaBin(), "-Xmx1g"));
                yarnCmd.addAll(ChildJob.java17Flags());
                yarnCmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MiniYarnHdfs.class.getName(),
                        base.toString(), conf.toString()));
                Process yarn = procs.start(yarnCmd, "127.0.0.1", DIR.resolve("yarn.log"),
                        Map.of("JAVA_HOME", System.getProperty("java.home")));
                StandaloneCluster.await(() -> {
                    if (!yarn.isAlive()) {
                        throw new AssertionError("the YARN/HDFS process ended:\n" + read(DIR.resolve("yarn.log")));
                    }
                    return Files.exists(base.resolve("ready"));
                }, Duration.ofMinutes(2), "YARN and HDFS to start");
                String hdfs = Files.readAllLines(base.resolve("ready")).get(0);
                uploadSample(conf, hdfs);

                // 1. local mode, the reference (the same HDFS data; its checkpoints on HDFS too)
                Path local = DIR.resolve("run-local");
                List<String> localCmd = new ArrayList<>(List.of(ROOT.resolve("spark-submit/onecycle-local").toString(),
                        "--cores", "2", "--conf", "spark.ui.enabled=false"));
                localCmd.addAll(trainArgs(local, hdfs, "/ckpt/local"));
                Process l = procs.start(localCmd, "127.0.0.1", DIR.resolve("run-local.log"),
                        Map.of("HADOOP_CONF_DIR", conf.toString()));
                assertTrue(l.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "local run did not finish");
                assertEquals(0, l.exitValue(), read(DIR.resolve("run-local.log")));
                StandaloneClusterIT.assertScheduleIsThePolicys(
                        Files.readAllLines(local.resolve("applied-schedule.csv")), TOT_EPOCHS, ITERS_PER_EPOCH);

                // 2. client mode
                Path client = DIR.resolve("run-client");
                Process c = procs.start(submission(sparkHome, conf, "client", client, hdfs, "/ckpt/client"),
                        "127.0.0.1", DIR.resolve("run-client.log"), yarnEnv(conf));
                assertTrue(c.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "client-mode run did not finish");
                assertEquals(0, c.exitValue(), read(DIR.resolve("run-client.log")));
                List<String> apps = apps();
                assertEquals(1, apps.size(), "one YARN application: " + apps);
                String clientApp = apps.get(0);
                assertTrue(Files.exists(containerDir(clientApp, 1, 2).resolve("stderr")),
                        "the executors ran in YARN containers of " + clientApp);
                StandaloneClusterIT.assertScheduleIsThePolicys(
                        Files.readAllLines(client.resolve("applied-schedule.csv")), TOT_EPOCHS, ITERS_PER_EPOCH);
                StandaloneClusterIT.assertSameResult(local, client);

                // 3. cluster mode, 2 attempts; the first attempt's driver (the AM's JVM) SIGKILLed mid-epoch 2
                Path cluster = DIR.resolve("run-cluster");
                List<String> cmd = submission(sparkHome, conf, "cluster", cluster, hdfs, "/ckpt/cluster");
                cmd.addAll(1, List.of("--conf", "spark.yarn.maxAppAttempts=2"));
                Path log = DIR.resolve("run-cluster.log");
                Process k = procs.start(cmd, "127.0.0.1", log, yarnEnv(conf));
                StandaloneCluster.await(() -> apps().size() == 2, Duration.ofMinutes(2), "a second application");
                String app = apps().get(1);
                // The epoch-1 checkpoint is written while epoch 2 trains: once it is there and epoch 2 is not done,
                // the driver is mid-epoch 2 (a progress line of epoch 2 may come before the checkpoint's line or not
                // at all before the epoch ends).
                StandaloneCluster.await(() -> {
                    if (!k.isAlive()) {
                        throw new AssertionError("the job ended early:\n" + read(log));
                    }
                    String out = read(containerDir(app, 1, 1).resolve("stdout"));
                    return out.contains("checkpoint epoch-0001 written")
                            && !out.contains("epoch 2/" + TOT_EPOCHS + " done");
                }, RUN, "mid-epoch 2 of attempt 1");
                List<ProcessHandle> drivers = amProcesses(yarn, app, 1);
                assertEquals(1, drivers.size(), "one driver JVM in attempt 1's AM container");
                containerPids.addAll(amProcesses(yarn, app, 0).stream().map(ProcessHandle::pid).toList());
                drivers.get(0).destroyForcibly();
                drivers.get(0).onExit().get(30, TimeUnit.SECONDS);
                assertFalse(exists(conf, hdfs + "/ckpt/cluster/epoch-0002"), "killed mid-epoch 2");
                assertTrue(k.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "the cluster-mode run did not finish");
                String am2 = read(containerDir(app, 2, 1).resolve("stdout"));
                assertEquals(0, k.exitValue(), read(log) + "\nattempt 2:\n" + am2);
                assertTrue(am2.contains("resuming from") && am2.contains("epoch-0001"), am2);
                StandaloneClusterIT.assertScheduleIsThePolicys(
                        Files.readAllLines(cluster.resolve("applied-schedule.csv")), TOT_EPOCHS, ITERS_PER_EPOCH);
                StandaloneClusterIT.assertSameResult(local, cluster);
                Path fromHdfs = DIR.resolve("cluster-final-checkpoint-model.zip");
                copyToLocal(conf, hdfs + "/ckpt/cluster/epoch-000" + TOT_EPOCHS + "/model.zip", fromHdfs);
                assertEquals(Network.restore(local.resolve("model.zip").toFile()).paramsSha256(),
                        Network.restore(fromHdfs.toFile()).paramsSha256(), "the final checkpoint on HDFS, bitwise");
            } finally {
                System.out.println("YARN test folder: " + DIR);
            }
            List<String> endpoints = endpoints(conf);
            procs.close();
            assertEquals(List.of(), procs.alive(), "every process started is stopped");
            for (long pid : containerPids) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "container " + pid);
            }
            assertEquals(List.of(), StandaloneCluster.processesMentioning(DIR.toString()), "no process left over");
            StandaloneClusterIT.assertNothingListens(endpoints);
        }
    }

    /** {@code onecycle-yarn} with 2 executors of 1 core: 2 task slots, like the local reference. */
    private static List<String> submission(Path sparkHome, Path conf, String mode, Path runDir, String hdfs,
            String checkpoints) {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("spark-submit/onecycle-yarn").toString(),
                "--deploy-mode", mode, "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "1g",
                "--driver-memory", "1g", "--conf", "spark.ui.enabled=false",
                // the NodeManager is on this machine: Spark and the project's jars from SPARK_HOME, not uploaded
                "--conf", "spark.yarn.jars=local:" + sparkHome.resolve("jars") + "/*"));
        cmd.addAll(trainArgs(runDir, hdfs, checkpoints));
        return cmd;
    }

    private static Map<String, String> yarnEnv(Path conf) {
        return Map.of("HADOOP_CONF_DIR", conf.toString());
    }

    /** The shipped 10k sample as an IDX folder on HDFS: its images as the training set and as the test set. */
    private static void uploadSample(Path conf, String hdfs) throws IOException {
        try (FileSystem fs = FileSystem.newInstance(java.net.URI.create(hdfs), hadoop(conf))) {
            for (String kind : List.of("images-idx3", "labels-idx1")) {
                for (String set : List.of("train", "t10k")) {
                    try (InputStream in = YarnClusterIT.class.getResourceAsStream(
                            "/dev/onecycle/data/fashion-mnist/t10k-" + kind + "-ubyte.gz");
                            var out = fs.create(new org.apache.hadoop.fs.Path(
                                    "/data/fashion-mnist/" + set + "-" + kind + "-ubyte.gz"))) {
                        in.transferTo(out);
                    }
                }
            }
        }
    }

    private static Configuration hadoop(Path conf) {
        Configuration c = new Configuration(false);
        c.addResource(new org.apache.hadoop.fs.Path(conf.resolve("core-site.xml").toUri()));
        c.addResource(new org.apache.hadoop.fs.Path(conf.resolve("yarn-site.xml").toUri()));
        return c;
    }

    private static boolean exists(Path conf, String uri) throws IOException {
        try (FileSystem fs = FileSystem.newInstance(java.net.URI.create(uri), hadoop(conf))) {
            return fs.exists(new org.apache.hadoop.fs.Path(uri));
        }
    }

    private static void copyToLocal(Path conf, String uri, Path to) throws IOException {
        try (FileSystem fs = FileSystem.newInstance(java.net.URI.create(uri), hadoop(conf))) {
            fs.copyToLocalFile(new org.apache.hadoop.fs.Path(uri), new org.apache.hadoop.fs.Path(to.toUri()));
        }
    }

    /** The applications the NodeManager has run containers of (its log folders), oldest first. */
    private static List<String> apps() {
        try (Stream<Path> s = Files.walk(DIR.resolve("target"), 6)) {
            return s.map(p -> APP_ID.matcher(p.getFileName().toString())).filter(Matcher::matches)
                    .map(m -> m.group(1)).distinct().sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    /**
     * The NodeManager's log folder of container {@code container} of attempt {@code attempt} of application
     * {@code app} (1 is the application master's), under the MiniYARNCluster's folder (target/test/data/ in its
     * working folder).
     */
    private static Path containerDir(String app, int attempt, int container) {
        String name = String.format("container_%s_%02d_%06d", app, attempt, container);
        try (Stream<Path> s = Files.walk(DIR.resolve("target"), 7)) {
            return s.filter(p -> p.getFileName().toString().equals(name) && p.getNameCount() > 2
                    && p.getParent().getFileName().toString().equals("application_" + app)
                    && p.getParent().getParent().getFileName().toString().contains("logDir")).findFirst()
                    .orElse(DIR.resolve("no-such-container/" + name));
        } catch (IOException | java.io.UncheckedIOException e) {
            return DIR.resolve("no-such-container/" + name);
        }
    }

    /**
     * The JVMs the NodeManager started for application {@code app}: of its attempt {@code attempt}'s AM container,
     * or (attempt 0) every one.
     */
    private static List<ProcessHandle> amProcesses(Process yarn, String app, int attempt) {
        String mark = attempt == 0 ? "container_" + app + "_" : String.format("container_%s_%02d_000001", app, attempt);
        return yarn.toHandle().descendants().filter(p -> p.info().command().orElse("").endsWith("/java"))
                .filter(p -> StandaloneCluster.commandLine(p).contains(mark)).toList();
    }

    /** The RPC and web ports of YARN and HDFS, from the configuration the cluster wrote. */
    private static List<String> endpoints(Path conf) {
        Configuration c = hadoop(conf);
        List<String> found = new ArrayList<>();
        for (String key : List.of("yarn.resourcemanager.address", "yarn.resourcemanager.scheduler.address",
                "yarn.resourcemanager.resource-tracker.address", "yarn.resourcemanager.admin.address",
                "yarn.resourcemanager.webapp.address", "fs.defaultFS")) {
            String v = c.get(key);
            if (v != null) {
                found.add(v.replaceFirst("^hdfs://", "").replaceFirst("^localhost:", "127.0.0.1:"));
            }
        }
        return found;
    }

    private static String read(Path file) {
        return StandaloneClusterIT.read(file);
    }
}
