package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.rpc.RpcEnv;
import org.junit.jupiter.api.Test;

/**
 * A standalone cluster (master + two workers, as in {@link StandaloneClusterIT}) with Spark's security settings on
 * in every process: {@code spark.authenticate} with a shared {@code spark.authenticate.secret},
 * {@code spark.network.crypto.enabled} (AES-encrypted RPC and block transfers) and
 * {@code spark.io.encryption.enabled} (encrypted shuffle and spill files):
 * <ol>
 * <li>the barrier path (the averaging endpoint on the driver's RPC port) gives bitwise the local run's result;</li>
 * <li>the driver path with checkpoints, its client-mode driver SIGKILLed after epoch 1's checkpoint, then resumed
 * with {@code --resume}: bitwise the local run's result;</li>
 * <li>while that driver runs, a client without the secret (authentication off, or a wrong secret) cannot reach any
 * endpoint of the driver's RPC server, where the averaging endpoint lives; with the secret it can.</li>
 * </ol>
 * Every process is stopped by PID at the end, pass or fail.
 */
class SecuredClusterIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir"));
    private static final Path DIR = ROOT.resolve("target/secure-cluster-it");
    private static final Duration RUN = Duration.ofMinutes(4);

    private static List<String> trainArgs(Path runDir, String averaging) {
        return List.of("--workers", "2", "--seed", "7", "--tot-epochs", "3", "--max-examples", "1000", "--hidden", "16",
                "--batch-size", "8", "--averaging-frequency", "2", "--averaging", averaging,
                "--run-dir", runDir.toString());
    }

    @Test
    void trainsBitwiseTheSameWithAuthenticationAndEncryptionAndRefusesAClientWithoutTheSecret() throws Exception {
        StandaloneClusterIT.deleteTree(DIR);
        Files.createDirectories(DIR.resolve("conf"));
        Files.createDirectories(DIR.resolve("plain-conf"));
        Path sparkHome = StandaloneClusterIT.makeSparkHome(DIR);
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        // every daemon, executor and submission reads SPARK_CONF_DIR/spark-defaults.conf (see conf/secure.conf)
        Files.writeString(DIR.resolve("conf/spark-defaults.conf"), "spark.authenticate true\n"
                + "spark.authenticate.secret " + secret + "\n"
                + "spark.network.crypto.enabled true\n"
                + "spark.io.encryption.enabled true\n");

        try (StandaloneCluster cluster = new StandaloneCluster(sparkHome, DIR)) {
            try {
                // the reference: local mode, no security settings (its own empty SPARK_CONF_DIR)
                Path local = DIR.resolve("run-local");
                List<String> localCmd = new ArrayList<>(List.of(ROOT.resolve("spark-submit/onecycle-local").toString(),
                        "--cores", "2", "--conf", "spark.ui.enabled=false"));
                localCmd.addAll(trainArgs(local, "barrier"));
                Process l = cluster.start(localCmd, "127.0.0.1", DIR.resolve("run-local.log"),
                        Map.of("SPARK_CONF_DIR", DIR.resolve("plain-conf").toString()));

                cluster.startMaster();
                cluster.startWorkers("127.0.0.2", "127.0.0.3");
                assertTrue(l.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "local run did not finish");
                assertEquals(0, l.exitValue(), StandaloneClusterIT.read(DIR.resolve("run-local.log")));

                // 1. the barrier path, secured
                Path barrier = DIR.resolve("run-barrier");
                Process a = submit(cluster, barrier, "barrier", "run-barrier.log", StandaloneCluster.freePort("127.0.0.1"));
                assertTrue(a.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "barrier run did not finish");
                assertEquals(0, a.exitValue(), StandaloneClusterIT.read(DIR.resolve("run-barrier.log")));
                // (a forced --averaging barrier that cannot run is refused with exit 2: it ran)
                StandaloneClusterIT.assertSameResult(local, barrier);

                // 2. the driver path, secured, with checkpoints; the driver SIGKILLed after epoch 1's checkpoint
                Path driver = DIR.resolve("run-driver");
                Path log = DIR.resolve("run-driver.log");
                int driverPort = StandaloneCluster.freePort("127.0.0.1");
                Process b = submit(cluster, driver, "driver", "run-driver.log", driverPort);
                StandaloneCluster.await(() -> {
                    if (!b.isAlive()) {
                        throw new AssertionError("the job ended early:\n" + StandaloneClusterIT.read(log));
                    }
                    return StandaloneClusterIT.read(log).contains("epoch 1/3");
                }, RUN, "epoch 1 to train");

                // 3. the driver's RPC server (the averaging endpoint's) answers only clients with the secret
                assertEquals("found", lookup(driverPort, secret, "CoarseGrainedScheduler"), "with the secret");
                assertTrue(lookup(driverPort, secret, "onecycle-averaging-none").contains("RpcEndpointNotFoundException"),
                        "with the secret, an unknown endpoint is reported missing (the connection itself works)");
                for (String without : new String[] {null, "not-the-secret"}) {
                    String refused = lookup(driverPort, without, "CoarseGrainedScheduler");
                    assertFalse(refused.equals("found") || refused.contains("RpcEndpointNotFoundException"),
                            "a client with secret " + without + " must not get through: " + refused);
                }

                StandaloneCluster.await(() -> StandaloneClusterIT.read(log).contains("checkpoint epoch-0001 written"),
                        RUN, "epoch 1's checkpoint");
                StandaloneCluster.killTree(b.toHandle());
                assertFalse(Files.exists(driver.resolve("model.zip")), "killed before the run finished");
                Process c = submit(cluster, driver, "driver", "run-driver-resumed.log",
                        StandaloneCluster.freePort("127.0.0.1"), "--resume");
                assertTrue(c.waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "resumed run did not finish");
                String resumed = StandaloneClusterIT.read(DIR.resolve("run-driver-resumed.log"));
                assertEquals(0, c.exitValue(), resumed);
                assertTrue(resumed.contains("resuming from") && resumed.contains("epoch-000"), resumed);
                StandaloneClusterIT.assertSameResult(local, driver);
            } finally {
                System.out.println("secure cluster test folder: " + DIR);
            }
            cluster.close();
            assertEquals(List.of(), cluster.alive(), "every process started is stopped");
            assertEquals(List.of(), StandaloneCluster.processesMentioning(DIR.toString()), "no process left over");
            StandaloneClusterIT.assertNothingListens(cluster.endpoints());
        }
    }

    private static Process submit(StandaloneCluster cluster, Path runDir, String averaging, String log, int driverPort,
            String... extra) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("spark-submit/onecycle-standalone").toString(),
                "--master", cluster.masterUrl(), "--executor-memory", "1g", "--executor-cores", "1",
                "--total-executor-cores", "2", "--driver-memory", "1g", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.port=" + driverPort));
        cmd.addAll(trainArgs(runDir, averaging));
        cmd.addAll(List.of(extra));
        return cluster.start(cmd, "127.0.0.1", DIR.resolve(log));
    }

    /**
     * Looks up endpoint {@code name} on the driver's RPC server at 127.0.0.1:{@code port} from a fresh client
     * RpcEnv in this JVM, with {@code secret} (null: authentication off): "found", or the failure.
     */
    private static String lookup(int port, String secret, String name) {
        SparkConf conf = new SparkConf(false).set("spark.rpc.lookupTimeout", "15s").set("spark.rpc.askTimeout", "15s")
                .set("spark.network.timeout", "15s").set("spark.rpc.io.connectionTimeout", "15s");
        if (secret != null) {
            conf.set("spark.authenticate", "true").set("spark.authenticate.secret", secret)
                    .set("spark.network.crypto.enabled", "true");
        }
        org.apache.spark.SecurityManager security = new org.apache.spark.SecurityManager(conf, scala.Option.empty(),
                org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE());
        RpcEnv env = RpcEnv.create("secure-it-client", "127.0.0.1", 0, conf, security, true);
        try {
            env.setupEndpointRefByURI("spark://" + name + "@127.0.0.1:" + port);
            return "found";
        } catch (Exception e) {
            StringBuilder why = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                why.append(t.getClass().getName()).append(": ").append(t.getMessage()).append(" / ");
            }
            return why.toString();
        } finally {
            env.shutdown();
            env.awaitTermination();
        }
    }
}
