package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.FashionMlp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input that used to get past the checks (issue 11): each refused with one line and exit 2, nothing written. */
class TrainInputChecksTest {

    private static List<String> inprogress(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".inprogress")).toList();
        }
    }

    private static String[] small(Path run, String... extra) {
        return Stream.concat(Stream.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "2",
                "--max-examples", "200", "--batch-size", "25", "--hidden", "8", "--run-dir", run.toString()),
                Stream.of(extra)).toArray(String[]::new);
    }

    @Test
    void resumeThatFindsNoCheckpointDoesNotReplaceAFinishedRun(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        assertEquals(Main.EXIT_OK, CliRun.of(small(run)).exitCode());
        byte[] model = Files.readAllBytes(run.resolve("model.zip"));
        byte[] metrics = Files.readAllBytes(run.resolve("metrics.csv"));
        Path empty = Files.createDirectories(tmp.resolve("empty-ckpt"));
        for (Path dir : List.of(empty, tmp.resolve("mistyped-ckpt"))) {
            CliRun r = CliRun.of(small(run, "--resume", "--checkpoint-dir", dir.toString()));
            assertRefused(r, "--resume", "model.zip", "metrics.csv", dir.getFileName().toString(),
                    "holds no checkpoint", "--overwrite");
        }
        assertArrayEquals(model, Files.readAllBytes(run.resolve("model.zip")), "the finished run is untouched");
        assertArrayEquals(metrics, Files.readAllBytes(run.resolve("metrics.csv")));
        assertFalse(Files.exists(tmp.resolve("mistyped-ckpt")), "a refused run creates no checkpoint dir");
        // the run's own checkpoints still continue it: the slice is complete, its outputs are written again
        CliRun own = CliRun.of(small(run, "--resume"));
        assertEquals(Main.EXIT_OK, own.exitCode(), own.err());
        assertTrue(own.out().contains("already complete"), own.out());
    }

    @Test
    void moreWorkersThanExamplesAreRefusedBeforeAnySparkJob(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        assertRefused(CliRun.of("train", "--workers", "100000", "--max-examples", "2000", "--run-dir",
                run.toString()), "--workers 100000", "2000 training examples", "--workers 2000 or fewer");
        assertFalse(Files.exists(run), "refused before the run folder is made");
        assertRefused(CliRun.of("train", "--workers", "2", "--max-examples", "1", "--run-dir", run.toString()),
                "--max-examples 1 leaves 1 training example", "fewer than the 2 workers");
        // the worker count from Spark's default parallelism (local[2]) is checked before the first Spark job
        CliRun byDefault = CliRun.of("train", "--master", "local[2]", "--max-examples", "1", "--run-dir",
                run.toString());
        assertRefused(byDefault, "--max-examples 1", "fewer than the 2 workers", "default parallelism");
        assertEquals(List.of(), inprogress(run), "no .inprogress files");
        assertFalse(Files.exists(run.resolve("checkpoints")), "no checkpoint dir, no lock");
    }

    @Test
    void barrierAveragingWithMoreWorkersThanALocalMastersSlotsIsRefusedUpFront(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "3", "--averaging", "barrier",
                "--tot-epochs", "1", "--max-examples", "200", "--hidden", "8", "--run-dir", run.toString());
        assertRefused(r, "--averaging", "barrier needs a free task slot per worker (3), the cluster has 2");
        assertEquals(List.of(), inprogress(run), "no .inprogress files");
        assertFalse(Files.exists(run.resolve("model.zip")), "nothing trained");
    }

    @Test
    void checkpointDirThatIsAFileOrUnreachableIsRefusedUpFront(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("ckpt-file"), "not a folder");
        assertRefused(CliRun.of(small(tmp.resolve("a"), "--checkpoint-dir", file.toString())), "--checkpoint-dir",
                "ckpt-file", "is a file");
        assertRefused(CliRun.of(small(tmp.resolve("b"), "--checkpoint-dir", file.resolve("sub").toString())),
                "--checkpoint-dir", "ckpt-file is a file");
        assertRefused(CliRun.of(small(tmp.resolve("c"), "--checkpoint-dir", "nosuchfs://host/ckpt")),
                "--checkpoint-dir nosuchfs://host/ckpt", "nosuchfs");
        assertRefused(CliRun.of(small(tmp.resolve("d"), "--checkpoint-dir", "hdfs://no-such-host.invalid:8020/ckpt")),
                "--checkpoint-dir hdfs://no-such-host.invalid:8020/ckpt", "unknown host");
        for (String d : List.of("a", "b", "c", "d")) {
            assertFalse(Files.exists(tmp.resolve(d)), "no run folder for a refused run");
        }
        assertEquals("not a folder", Files.readString(file));
    }

    @Test
    void hiddenWithModelInIsRefused(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model.zip");
        FashionMlp.create(784, 8, 10, 1).save(model.toFile());
        assertRefused(CliRun.of("train", "--model-in", model.toString(), "--hidden", "64", "--run-dir",
                tmp.resolve("run").toString()), "--hidden", "--model-in", "brings its own");
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void roundTooBigForSparkMaxResultSizeIsRefusedBeforeTraining(@TempDir Path tmp) throws IOException {
        // 784 features x 256 hidden: ~0.8 MB of parameters and as much updater state per worker
        System.setProperty("spark.driver.maxResultSize", "1m");
        try {
            Path run = tmp.resolve("run");
            CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--max-examples", "200",
                    "--run-dir", run.toString());
            assertRefused(r, "203,530 parameters", "784 features", "spark.driver.maxResultSize", "--hidden");
            assertEquals(List.of(), inprogress(run));
        } finally {
            System.clearProperty("spark.driver.maxResultSize");
        }
    }

    @Test
    void policyThatTheDataSizeBreaksIsRefusedBeforeTheFirstSparkJob(@TempDir Path tmp) throws IOException {
        // 4 examples over 2 workers in batches of 1: n = 2 steps, pctStart * n - 1 = 0, a phase PyTorch divides by
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "1", "--max-examples",
                "4", "--batch-size", "1", "--style", "pytorch", "--pct-start", "0.5", "--run-dir", run.toString());
        assertRefused(r, "--pct-start", "cycle of 2 steps");
        assertEquals(List.of(), inprogress(run));
        assertFalse(Files.exists(run.resolve("checkpoints")), "refused before the lock is taken");
    }
}
