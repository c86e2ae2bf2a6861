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
 * The scripts in spark-submit/ as a user runs them (after package: they use target/onecycle-spark.jar):
 * {@code --dry-run} prints the spark-submit command for each target, and bad input is one line with exit 2.
 */
class LaunchersIT {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "spark-submit/" + script));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("SPARK_HOME");
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
}
