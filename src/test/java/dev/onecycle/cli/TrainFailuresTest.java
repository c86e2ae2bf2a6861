package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.checkpoint.FaultyFileSystem;
import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures while training (issue 11): one line naming what failed, nothing lost that could be saved. */
class TrainFailuresTest {

    @BeforeEach
    void faultyScheme() {
        System.setProperty("spark.hadoop.fs.faulty.impl", FaultyFileSystem.class.getName());
        System.setProperty("spark.hadoop.fs.faulty.impl.disable.cache", "true");
    }

    @AfterEach
    void noFault() {
        FaultyFileSystem.clear();
        System.clearProperty("spark.hadoop.fs.faulty.impl");
        System.clearProperty("spark.hadoop.fs.faulty.impl.disable.cache");
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void divergenceStopsAtTheRoundItHappensBeforeAnyCheckpointOfNaNs(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "2", "--lr-max", "1e4",
                "--max-examples", "400", "--batch-size", "20", "--hidden", "16", "--run-dir", run.toString());
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().matches("onecycle: training diverged at iteration \\d+ \\(lr [0-9.E]+\\); lower --lr-max\\R"),
                r.err());
        assertFalse(r.err().contains("evaluation"), "stopped before DL4J's evaluation: " + r.err());
        for (String n : names(run.resolve("checkpoints"))) {
            assertFalse(n.startsWith("epoch-"), "no checkpoint of diverged parameters: " + names(run));
        }
        assertFalse(Files.exists(run.resolve("checkpoints/LOCK")), "lock released");
        assertFalse(Files.exists(run.resolve("model.zip")), "no model of diverged parameters");
        assertTrue(names(run).stream().noneMatch(n -> n.endsWith(".inprogress")), names(run).toString());
    }

    @Test
    void lastCheckpointFailingOnAFullDiskKeepsTheTrainedModelAndNamesThePath(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        Path ckpt = tmp.resolve("ckpt");
        FaultyFileSystem.inject(FaultyFileSystem.Fault.DISK_FULL_ON, "model.zip");
        CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "1",
                "--max-examples", "200", "--batch-size", "25", "--hidden", "8", "--run-dir", run.toString(),
                "--checkpoint-dir", "faulty://" + ckpt);
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("could not write checkpoint") && r.err().contains("epoch-0001")
                && r.err().contains("training went on without it")
                && r.err().contains("No space left on device") && r.err().contains(run.toString()), r.err());
        Network model = Network.restore(run.resolve("model.zip").toFile());
        assertEquals(1, model.epochCount(), "the fully trained model is saved");
        assertEquals(List.of("", "applied-schedule.csv", "metrics.csv", "model.zip", "training.png"),
                names(run).stream().filter(n -> !n.startsWith("checkpoints")).toList(), "no .inprogress left");
        assertEquals(List.of("", "RESTARTS.json"), names(ckpt), "no checkpoint, no temporary folder, no lock");
    }

    @Test
    void resumeSkipsACheckpointWhoseStateLiesAndContinuesFromThePreviousOne(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        String[] common = {"train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "3", "--max-examples",
            "200", "--batch-size", "25", "--hidden", "8", "--run-dir", run.toString()};
        String[] first = Stream.concat(Stream.of(common), Stream.of("--epochs", "2")).toArray(String[]::new);
        assertEquals(Main.EXIT_OK, CliRun.of(first).exitCode());
        Path newest = run.resolve("checkpoints/epoch-0002");
        // epoch 5 of a 3-epoch cycle, iteration to match, manifest updated: the bytes verify, the state lies
        dev.onecycle.checkpoint.CheckpointConsistencyTest.lie(newest, s -> {
            s.put("epoch", 5);
            s.put("iteration", 20);
        });
        CliRun inspect = CliRun.of("inspect", newest.toString());
        assertEquals(Main.EXIT_FAILURE, inspect.exitCode(), inspect.out());
        assertTrue(inspect.out().contains("\"valid\" : false") && inspect.out().contains("outside the 3-epoch cycle"),
                inspect.out());
        CliRun dir = CliRun.of("inspect", run.resolve("checkpoints").toString());
        assertEquals(Main.EXIT_OK, dir.exitCode(), dir.out());
        assertTrue(dir.out().contains("\"name\" : \"epoch-0001\"") && dir.out().contains("skipped"), dir.out());

        CliRun resumed = CliRun.of(Stream.concat(Stream.of(common), Stream.of("--resume"))
                .toArray(String[]::new));
        assertEquals(Main.EXIT_OK, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("skipping") && resumed.out().contains("epoch-0002")
                && resumed.out().contains("inconsistent state.json"), resumed.out());
        assertTrue(resumed.out().contains("resuming from") && resumed.out().contains("epoch-0001"), resumed.out());
        assertEquals(3, Network.restore(run.resolve("model.zip").toFile()).epochCount(), "epochs 1 and 2 retrained");
        assertEquals(4, Files.readAllLines(run.resolve("metrics.csv")).size(), "one row per epoch of the cycle");
    }

    @Test
    void fullDiskInTheCheckpointDirIsReportedWithThePath(@TempDir Path tmp) throws IOException {
        Path ckpt = tmp.resolve("ckpt");
        FaultyFileSystem.inject(FaultyFileSystem.Fault.DISK_FULL_ON, ".RESTARTS.json.tmp");
        CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "1",
                "--max-examples", "200", "--batch-size", "25", "--hidden", "8", "--run-dir", tmp.resolve("run").toString(),
                "--checkpoint-dir", "faulty://" + ckpt);
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("could not write faulty:" + ckpt + "/RESTARTS.json (No space left on device)"),
                r.err());
        assertEquals(List.of(""), names(ckpt), "lock released, nothing else written");
        assertTrue(names(tmp.resolve("run")).stream().noneMatch(n -> n.endsWith(".inprogress")));
    }
}
