package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.spark.ChildJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onecycle study} at a tiny size (2 or 4 epochs of 1,000 examples, 2 seeds): the report's tables come from
 * the runs, a study killed by PID continues where it stopped, and policy 4 (policy 1 as jobs resumed from
 * checkpoints, one stopped by SIGTERM) equals policy 1 bitwise.
 */
class StudyCommandTest {
    private static final List<String> TINY_FLAGS = List.of("--hidden", "16", "--workers", "2");

    /**
     * A tiny Fashion-MNIST folder (IDX): 1,000 training and 500 test images of the shipped sample, so that every
     * job loads and evaluates in a moment.
     */
    static List<String> tiny(Path tmp) throws java.io.IOException {
        Path dir = Files.createDirectories(tmp.resolve("data"));
        dev.onecycle.data.FashionMnist sample = dev.onecycle.data.FashionMnist.sample();
        writeIdx(dir, "train", sample.train().head(1000));
        writeIdx(dir, "t10k", sample.test().head(500));
        List<String> flags = new ArrayList<>(TINY_FLAGS);
        flags.addAll(List.of("--data", dir.toString()));
        return flags;
    }

    private static void writeIdx(Path dir, String prefix, dev.onecycle.data.LabeledImages images)
            throws java.io.IOException {
        int n = images.size();
        int f = images.features();
        java.nio.ByteBuffer img = java.nio.ByteBuffer.allocate(16 + n * f).putInt(0x803).putInt(n).putInt(28).putInt(28);
        java.nio.ByteBuffer lab = java.nio.ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        float[] x = new float[f];
        for (int i = 0; i < n; i++) {
            images.copyFeatures(i, x, 0);
            for (float v : x) {
                img.put((byte) Math.round(v * 255f));
            }
            lab.put((byte) images.label(i));
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), img.array());
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), lab.array());
    }

    @Test
    void aStudyKilledByPidContinuesWhereItStoppedAndItsPiecesEqualTheOneCycleBitwise(@TempDir Path tmp)
            throws Exception {
        Path out = tmp.resolve("study");
        List<String> args = new ArrayList<>(List.of("study", "--out", out.toString(), "--epochs", "4", "--seeds", "2",
                "--policies", "1,4"));
        args.addAll(tiny(tmp));
        Path seed1Pieces = out.resolve("mlp/seed-1/policy-4-pieces");
        // a user's stop (SIGTERM, as Ctrl-C) while the first job trains: it stops at a checkpoint, the study exits 75
        try (ChildJob stopped = ChildJob.startMain(tmp.resolve("stopped.log"), Main.class.getName(),
                args.toArray(String[]::new))) {
            stopped.awaitOutput(o -> o.contains("run 1/4 one cycle seed 1 job 1/1 (cycle 1): epoch 1/4"),
                    Duration.ofMinutes(3));
            ProcessHandle.of(stopped.pid()).ifPresent(ProcessHandle::destroy); // SIGTERM
            assertEquals(Main.EXIT_STOPPED_AT_CHECKPOINT, stopped.await(Duration.ofMinutes(2)), stopped.output());
            assertTrue(stopped.output().contains("stopped by SIGTERM; every finished run and checkpoint is kept"),
                    stopped.output());
        }
        try (ChildJob first = ChildJob.startMain(tmp.resolve("first.log"), Main.class.getName(),
                args.toArray(String[]::new))) {
            // killed while seed 1's policy 4 runs: its first piece done, the rest not
            first.awaitOutput(o -> Files.exists(seed1Pieces.resolve("job-1.done")), Duration.ofMinutes(3));
            first.kill();
            assertTrue(first.output().contains("run 1/4 one cycle seed 1: done"), first.output());
        }
        assertTrue(Files.exists(out.resolve("mlp/seed-1/policy-1-one-cycle/run.json")));
        assertFalse(Files.exists(seed1Pieces.resolve("run.json")), "killed before seed 1's policy 4 ended");
        byte[] policy1 = Files.readAllBytes(out.resolve("mlp/seed-1/policy-1-one-cycle/run.json"));

        int code;
        String second;
        try (ChildJob again = ChildJob.startMain(tmp.resolve("second.log"), Main.class.getName(),
                args.toArray(String[]::new))) {
            code = again.await(Duration.ofMinutes(5));
            second = again.output();
        }
        assertEquals(Main.EXIT_OK, code, second);
        assertTrue(second.contains("study: run 1/4 one cycle seed 1: done earlier (kept)"), second);
        assertFalse(second.contains("job 1/3 (piece 1 (epochs 1-1)): onecycle train --workers 2 --seed 1 "),
                "seed 1's finished first piece is not run again:\n" + second);
        assertTrue(second.contains("study 16/16 epochs (100%)"), second);
        assertArrayEquals(policy1, Files.readAllBytes(out.resolve("mlp/seed-1/policy-1-one-cycle/run.json")),
                "a finished run is kept as it was");

        // the planned stop: the last piece ended by SIGTERM (exit 75) and was resumed, for every seed
        for (int seed = 1; seed <= 2; seed++) {
            String stops = Files.readString(out.resolve("mlp/seed-" + seed + "/policy-4-pieces/stops.csv"));
            assertTrue(stops.contains("piece 3") && stops.contains("SIGTERM"), stops);
        }
        // policy 4 == policy 1 bitwise, per seed: parameters, updater, per-epoch metrics, applied schedule
        List<String> bitwise = Files.readAllLines(out.resolve("bitwise.csv"));
        assertEquals(List.of("network,seed,params_equal,updater_equal,metrics_equal,applied_equal",
                "mlp,1,true,true,true,true", "mlp,2,true,true,true,true"), bitwise);
        for (int seed = 1; seed <= 2; seed++) {
            Path one = out.resolve("mlp/seed-" + seed + "/policy-1-one-cycle");
            Path four = out.resolve("mlp/seed-" + seed + "/policy-4-pieces");
            assertEquals(Files.readAllLines(one.resolve("applied-schedule.csv")),
                    Files.readAllLines(four.resolve("applied-schedule.csv")));
            assertEquals(5, Files.readAllLines(four.resolve("metrics.csv")).size(), "4 epochs and the header");
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("bitwise equal to policy 1 for every seed (2 of 2)"), report);
        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(3, summary.size(), String.join("\n", summary));
        assertTrue(summary.get(1).startsWith("mlp,1,\"1: one 4-epoch cycle\",2,"), summary.get(1));
        assertTrue(summary.get(2).startsWith("mlp,4,\"4: policy 1 as 1 + 1 + 2 (resumed)\",2,"), summary.get(2));
        for (String png : List.of("mlp-test-accuracy.png", "mlp-train-loss.png", "mlp-applied-lr.png")) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertEquals((byte) 0x89, b[0], png);
            assertEquals('P', b[1], png);
        }
    }

    @Test
    void theReportsPairedDifferencesAreComputedFromTheRunsOfTheSameSeeds(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("study");
        List<String> args = new ArrayList<>(List.of("study", "--out", out.toString(), "--epochs", "2", "--seeds", "2",
                "--policies", "1,2,3", "--cycles", "2"));
        args.addAll(tiny(tmp));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(Main.EXIT_OK, run.exitCode(), run.err());
        assertTrue(run.out().contains("study: run 6/6 short cycles, same peak seed 2: done"), run.out());

        Map<String, Double> accuracy = new HashMap<>();
        Map<String, Double> loss = new HashMap<>();
        List<String> runs = Files.readAllLines(out.resolve("runs.csv"));
        assertEquals(7, runs.size(), String.join("\n", runs));
        for (String r : runs.subList(1, runs.size())) {
            String[] f = r.split(",");
            accuracy.put(f[1] + "/" + f[2], Double.parseDouble(f[3]));
            loss.put(f[1] + "/" + f[2], Double.parseDouble(f[4]));
            // the run's final accuracy is its metrics.csv's last epoch
            Path dir = out.resolve("mlp/seed-" + f[1]);
            Path policyDir = Files.list(dir).filter(p -> p.getFileName().toString().startsWith("policy-" + f[2]))
                    .findFirst().orElseThrow();
            List<String> m = Files.readAllLines(policyDir.resolve("metrics.csv"));
            assertEquals(3, m.size());
            assertEquals(Double.parseDouble(m.get(2).split(",")[3]), Double.parseDouble(f[3]), 1e-6);
        }
        List<String> paired = Files.readAllLines(out.resolve("paired.csv"));
        assertEquals(7, paired.size(), String.join("\n", paired)); // (1-2, 1-3, 2-3) x (accuracy, loss)
        for (String row : paired.subList(1, paired.size())) {
            String[] f = row.split(",");
            int a = f[0].charAt(1) - '0';
            int b = f[0].charAt(8) - '0';
            boolean acc = f[1].equals("test accuracy");
            double d1 = acc ? accuracy.get("1/" + a) - accuracy.get("1/" + b) : loss.get("1/" + b) - loss.get("1/" + a);
            double d2 = acc ? accuracy.get("2/" + a) - accuracy.get("2/" + b) : loss.get("2/" + b) - loss.get("2/" + a);
            assertEquals("2", f[2], row);
            assertEquals((d1 + d2) / 2, Double.parseDouble(f[3]), 1e-5, row);
            assertEquals(Math.abs(d1 - d2) / Math.sqrt(2), Double.parseDouble(f[4]), 1e-5, row);
            // two seeds: resolved only when |t| > 12.706 (t at 95%, 1 degree of freedom)
            double t = Math.abs((d1 + d2) / 2) / (Math.abs(d1 - d2) / 2);
            assertEquals(t > 12.706 ? ((d1 + d2 > 0 ? "(" + a : "(" + b) + ") better") : "not resolved", f[9], row);
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## Conclusion (computed from the numbers above)"), report);
        assertTrue(report.toLowerCase(Locale.ROOT).contains("on final test accuracy the seed's ranking"), report);
        assertTrue(report.contains("| 2: 1 + 1, 2nd peak lrMax/4 | 2 |"), report);
        // policy 2's second cycle peaked at lrMax / 4: the applied learning rates say so
        List<String> applied = Files.readAllLines(out.resolve("mlp/seed-1/policy-2-two-cycles/applied-schedule.csv"));
        double peak2 = applied.subList(1, applied.size()).stream().filter(l -> l.split(",")[1].equals("2"))
                .mapToDouble(l -> Double.parseDouble(l.split(",")[3])).max().orElseThrow();
        assertTrue(peak2 <= 0.025 + 1e-9 && peak2 > 0.02, "second peak " + peak2);

        // the same command again: everything is kept, nothing trains
        CliRun again = CliRun.of(args.toArray(String[]::new));
        assertEquals(Main.EXIT_OK, again.exitCode(), again.err());
        assertFalse(again.out().contains("onecycle train"), again.out());
        assertEquals(runs, Files.readAllLines(out.resolve("runs.csv")));
    }

    @Test
    void badStudySettingsAreRefusedInOneLineBeforeAnythingRuns(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("s");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--epochs", "3"), "--epochs", "even", "3");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--epochs", "4", "--pieces", "2,2,1"), "--pieces",
                "summing to --epochs 4");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--epochs", "8", "--cycles", "3"), "--cycles",
                "divide --epochs 8");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--policies", "2,4"), "--policies", "add 1");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--network", "lenet", "--hidden", "8"), "--hidden",
                "lenet");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--report-only"), "--out", "holds no study");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--seeds", "0"), "--seeds", ">= 1", "0");
        assertFalse(Files.exists(out), "nothing written");
        Files.createDirectories(out);
        Files.writeString(out.resolve("plan.txt"), "network=mlp\nepochs=40\n");
        assertRefused(CliRun.of("study", "--out", out.toString(), "--epochs", "4"), "--out", "other settings",
                "epochs 40 there, 4 now");
    }

    @Test
    void lenetIsRefusedInOneLineOnDataThatIsNotTwentyEightByTwentyEightImages(@TempDir Path tmp) throws Exception {
        StringBuilder csv = new StringBuilder("label,a,b,c\n");
        for (int i = 0; i < 40; i++) {
            csv.append(i % 2).append(',').append(i).append(",1,2\n");
        }
        Path data = Files.writeString(tmp.resolve("small.csv"), csv.toString());
        Path run = tmp.resolve("run");
        assertRefused(CliRun.of("train", "--network", "lenet", "--data", data.toString(), "--run-dir", run.toString()),
                "--network lenet", "784 features", "3 features", "--network mlp");
        assertFalse(Files.exists(run), "nothing written");
        assertRefused(CliRun.of("train", "--network", "lenet", "--hidden", "8"), "--hidden", "lenet");
        assertRefused(CliRun.of("train", "--network", "lenet", "--model-in", tmp.resolve("m.zip").toString()),
                "--network", "--model-in");
        assertRefused(CliRun.of("train", "--network", "resnet"), "--network", "resnet", "mlp, lenet");
    }
}
