package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts in spark-submit/ as a user runs them (after package: they use this line's jar,
 * target/onecycle-spark_2.13.jar or target/spark-3.5/onecycle-spark_2.12.jar): {@code --dry-run} prints the
 * spark-submit command for each target, bad input is one line with exit 2, and a jar of the wrong Spark line for
 * SPARK_HOME's Spark is refused before launching.
 */
class LaunchersIT {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String script, String... args) throws Exception {
        return run(java.util.Map.of(), script, args);
    }

    private Run run(java.util.Map<String, String> env, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "spark-submit/" + script));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("SPARK_HOME");
        pb.environment().remove("ONECYCLE_APP_JAR");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError(script + " did not finish");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyTargetPrintsItsSparkSubmitCommand() throws Exception {
        Run local = run("onecycle-local", "--cores", "2", "--tot-epochs", "3", "--dry-run");
        assertEquals(0, local.exit(), local.err());
        assertTrue(local.out().contains("org.apache.spark.deploy.SparkSubmit") && local.out().contains("local\\[2\\]")
                && local.out().contains("dev.onecycle.cli.Main") && local.out().contains("--tot-epochs 3"), local.out());

        Run standalone = run("onecycle-standalone", "--master", "spark://10.1.2.3:7077", "--deploy-mode", "cluster",
                "--supervise", "--dry-run");
        assertEquals(0, standalone.exit(), standalone.err());
        assertTrue(standalone.out().contains("spark://10.1.2.3:7077") && standalone.out().contains("--supervise")
                && standalone.out().contains("--resume"), "a supervised driver resumes: " + standalone.out());

        Run yarn = run("onecycle-yarn", "--dry-run");
        assertEquals(0, yarn.exit(), yarn.err());
        assertTrue(yarn.out().contains("--master yarn") && yarn.out().contains("dev.onecycle.cli.Main")
                && yarn.out().contains("spark.executorEnv.OMP_NUM_THREADS=1"),
                "yarn: " + yarn.out().substring(0, Math.min(300, yarn.out().length())));

        Run k8s = run("onecycle-k8s", "--dry-run");
        assertEquals(0, k8s.exit(), k8s.err());
        assertTrue(k8s.out().contains("k8s://") && k8s.out().contains("FILL-IN"), k8s.out());
    }

    @Test
    void badLauncherInputIsOneLineAndExitTwo() throws Exception {
        for (String[] bad : new String[][] {{"onecycle", "train", "--master", "nowhere"},
            {"onecycle", "train", "--conf", "no-equals-sign"}, {"onecycle-local", "--cores", "many"},
            {"onecycle", "train", "--properties-file", tmp.resolve("missing.conf").toString()},
            {"onecycle", "schedule", "--lr-max", "0.1", "--tot-epochs", "2", "--iters-per-epoch", "3", "--style", "x"}}) {
            Run r = run(bad[0], java.util.Arrays.copyOfRange(bad, 1, bad.length));
            assertEquals(2, r.exit(), String.join(" ", bad) + ": " + r.err());
            // (the launcher announces a rebuild when sources are newer than the jar: not an error line)
            List<String> lines = r.err().lines().filter(l -> !l.isBlank())
                    .filter(l -> !l.startsWith("onecycle: building the project")).toList();
            assertEquals(1, lines.size(), String.join(" ", bad) + ": " + r.err());
            assertTrue(lines.get(0).startsWith("onecycle"), r.err());
        }
    }

    /** A Spark installation as the launcher sees it: bin/spark-submit and jars/spark-core_SCALA-VERSION.jar. */
    private Path fakeSparkHome(String scala, String version) throws Exception {
        Path home = tmp.resolve("spark-" + version);
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("jars"));
        Path submit = home.resolve("bin/spark-submit");
        Files.writeString(submit, "#!/bin/sh\necho spark-submit of the fake Spark ran >&2\nexit 1\n");
        submit.toFile().setExecutable(true);
        Files.createFile(home.resolve("jars/spark-core_" + scala + "-" + version + ".jar"));
        return home;
    }

    @Test
    void aJarOfTheOtherSparkLineIsRefusedBeforeLaunchingInOneLine() throws Exception {
        boolean spark4 = scala.util.Properties.versionNumberString().startsWith("2.13.");
        // this line's jar (built by package) against a Spark of the other line
        Path jar = Path.of(System.getProperty("onecycle.build.directory", "target"))
                .resolve("onecycle-spark_" + (spark4 ? "2.13" : "2.12") + ".jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " (run after package)");
        Path other = spark4 ? fakeSparkHome("2.12", "3.5.9") : fakeSparkHome("2.13", "4.0.1");
        Run r = run(java.util.Map.of("SPARK_HOME", other.toString(), "ONECYCLE_APP_JAR", jar.toString()),
                "onecycle", "train", "--tot-epochs", "1");
        assertEquals(2, r.exit(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), r.err());
        String line = lines.get(0);
        String built = spark4 ? "Spark 4.0.1 (Scala 2.13)" : "Spark 3.5.9 (Scala 2.12)";
        String given = spark4 ? "Spark 3.5.9 (Scala 2.12)" : "Spark 4.0.1 (Scala 2.13)";
        String fix = spark4 ? "'mvn -P spark-3.5 -DskipTests package'" : "'mvn -DskipTests package'";
        assertTrue(line.startsWith("onecycle: ") && line.contains(built) && line.contains(given) && line.contains(fix),
                line);
        assertTrue(r.out().isEmpty() && !r.err().contains("spark-submit of the fake Spark ran"), "nothing launched");

        // a Spark this project has no line for: one line too, before anything is built or launched
        Run old = run(java.util.Map.of("SPARK_HOME", fakeSparkHome("2.12", "3.4.4").toString()),
                "onecycle", "train", "--dry-run");
        assertEquals(2, old.exit(), old.err());
        assertEquals(1, old.err().lines().filter(l -> !l.isBlank()).count(), old.err());
        assertTrue(old.err().contains("Spark 3.4.4 (Scala 2.12)") && old.err().contains("Spark 4.x (Scala 2.13)"),
                old.err());
    }

    @Test
    void scheduleCommandPrintsTheSliceAsCsv() throws Exception {
        Run r = run("onecycle", "schedule", "--lr-max", "0.01", "--tot-epochs", "20", "--iters-per-epoch", "5",
                "--start-epoch", "8", "--epochs", "7");
        assertEquals(0, r.exit(), r.err());
        List<String> rows = r.out().lines().toList();
        assertEquals("iteration,epoch,lr,momentum", rows.get(0));
        assertEquals(1 + 7 * 5, rows.size());
        assertTrue(rows.get(1).startsWith("40,8,"), rows.get(1));
    }

    @Test
    void nativeOptionsReachTheDriverAndTheExecutorsAndABadBinaryIsOneLine() throws Exception {
        // the default MLP: JavaCPP's per-allocation memory check off for the driver JVM and both extraJavaOptions, the
        // generic binary (an empty extension: JavaCPP would otherwise load the variant jar it finds first), one line
        Run mlp = run("onecycle", "train", "--master", "local[2]", "--dry-run");
        assertEquals(0, mlp.exit(), mlp.err());
        assertEquals(3, java.util.Arrays.stream(mlp.out().split(" ")).filter(w -> w.contains("maxphysicalbytes=0")).count(),
                mlp.out());
        assertTrue(mlp.out().contains("-Dorg.bytedeco.javacpp.platform.extension= ") && !mlp.out().contains("helpers.disable"),
                mlp.out());
        assertTrue(mlp.err().contains("onecycle: nd4j-native binary linux-x86_64 (ONECYCLE_ND4J_BINARY=auto)"), mlp.err());
        // a convolutional network (--network lenet, or a --model-in model): the onednn binary the package copied to
        // target/native, on the classpath, with DL4J's oneDNN helpers on, said in one stderr line
        Run local = run("onecycle", "train", "--master", "local[2]", "--network", "lenet", "--dry-run");
        assertEquals(0, local.exit(), local.err());
        String[] words = local.out().split(" ");
        long checksOff = java.util.Arrays.stream(words).filter(w -> w.contains("maxphysicalbytes=0")).count();
        assertEquals(3, checksOff, "driver JVM, spark.driver and spark.executor extraJavaOptions: " + local.out());
        assertEquals(3, java.util.Arrays.stream(words).filter(w -> w.contains("extension=-onednn")).count(), local.out());
        assertEquals(3, java.util.Arrays.stream(words).filter(w -> w.contains("helpers.disable=false")).count(), local.out());
        assertTrue(local.out().contains("-linux-x86_64-onednn.jar"), "the variant jar on the classpath: " + local.out());
        assertTrue(local.err().contains("onecycle: nd4j-native binary linux-x86_64-onednn (ONECYCLE_ND4J_BINARY=auto)"),
                local.err());
        // the generic binary on request: an empty extension, or JavaCPP would load the variant jar it finds first
        Run generic = run(java.util.Map.of("ONECYCLE_ND4J_BINARY", "generic"), "onecycle", "train", "--dry-run");
        assertEquals(0, generic.exit(), generic.err());
        assertTrue(generic.out().contains("-Dorg.bytedeco.javacpp.platform.extension= ")
                && !generic.out().contains("helpers.disable"), generic.out());
        // a named binary: local executors (this JVM) load it; cluster executors only when it is named explicitly
        Run named = run(java.util.Map.of("ONECYCLE_ND4J_BINARY", "avx2"), "onecycle", "train", "--master", "local[2]",
                "--dry-run");
        assertEquals(0, named.exit(), named.err());
        assertEquals(3, java.util.Arrays.stream(named.out().split(" ")).filter(w -> w.contains("extension=-avx2")).count(),
                named.out());
        Run viaConf = run("onecycle", "train", "--conf", "spark.onecycle.modelIn=/tmp/lenet.zip", "--dry-run");
        assertTrue(viaConf.err().contains("binary linux-x86_64-onednn"), viaConf.err());
        Run cluster = run("onecycle", "train", "--master", "spark://10.1.2.3:7077", "--dry-run");
        assertEquals(0, cluster.exit(), cluster.err());
        assertEquals(3, java.util.Arrays.stream(cluster.out().split(" ")).filter(w -> w.contains("maxphysicalbytes=0")).count(),
                cluster.out());
        Run checkOn = run(java.util.Map.of("ONECYCLE_JAVACPP_CHECK", "on"), "onecycle", "train", "--dry-run");
        assertTrue(!checkOn.out().contains("maxphysicalbytes"), checkOn.out());
        Run bad = run(java.util.Map.of("ONECYCLE_ND4J_BINARY", "avx9000"), "onecycle", "train", "--dry-run");
        assertEquals(2, bad.exit(), bad.err());
        List<String> lines = bad.err().lines().filter(l -> !l.isBlank())
                .filter(l -> !l.startsWith("onecycle: building the project")).toList();
        assertEquals(1, lines.size(), bad.err());
        assertTrue(lines.get(0).contains("ONECYCLE_ND4J_BINARY") && lines.get(0).contains("avx9000"), bad.err());
    }
}
