package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.checkpoint.CheckpointCadence;
import dev.onecycle.job.TrainingJobSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --checkpoint-interval} and {@code --checkpoint-every} (and their {@code spark.onecycle.*} keys) become
 * the job's {@link CheckpointCadence}; bad values are one line, exit 2, before anything runs.
 */
class CheckpointFlagsTest {
    @TempDir
    Path tmp;

    private static TrainingJobSettings settings(String propertiesFile, String... args) {
        TrainCommand cmd = new TrainCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setDefaultValueProvider(OnecycleProperties.load(cl.getCommandSpec(), propertiesFile));
        cl.parseArgs(args);
        return cmd.settings();
    }

    @Test
    void defaultIsAMidEpochCheckpointEveryFiveMinutes() {
        assertEquals(CheckpointCadence.DEFAULT, settings(null).checkpointCadence());
        assertEquals(Duration.ofMinutes(5), settings(null).checkpointCadence().interval());
    }

    @Test
    void flagsSetTheCadence() {
        assertEquals(new CheckpointCadence(40, Duration.ofSeconds(30)),
                settings(null, "--checkpoint-every", "40", "--checkpoint-interval", "30s").checkpointCadence());
        assertEquals(new CheckpointCadence(0, Duration.ofHours(2)),
                settings(null, "--checkpoint-interval", "2h").checkpointCadence());
        assertEquals(new CheckpointCadence(0, Duration.ofMillis(500)),
                settings(null, "--checkpoint-interval", "500ms").checkpointCadence());
        assertEquals(CheckpointCadence.EPOCH_END_ONLY, settings(null, "--checkpoint-interval", "0").checkpointCadence());
    }

    @Test
    void propertiesKeysSetTheCadenceAndFlagsWin() throws IOException {
        Path conf = Files.writeString(tmp.resolve("job.conf"),
                "spark.onecycle.checkpointInterval 10m\nspark.onecycle.checkpointEvery 100\n");
        assertEquals(new CheckpointCadence(100, Duration.ofMinutes(10)), settings(conf.toString()).checkpointCadence());
        assertEquals(new CheckpointCadence(100, Duration.ofMinutes(1)),
                settings(conf.toString(), "--checkpoint-interval", "1m").checkpointCadence());
    }

    @Test
    void badDurationIsOneLineNamingTheFlag() {
        assertRefused(CliRun.of("train", "--checkpoint-interval", "10 minutes", "--run-dir",
                tmp.resolve("run").toString()), "--checkpoint-interval", "30s, 10m or 1h", "'10 minutes'");
        assertRefused(CliRun.of("train", "--checkpoint-interval", "15", "--run-dir", tmp.resolve("run").toString()),
                "--checkpoint-interval", "'15'");
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void inspectShowsTheRoundOfAMidEpochCheckpoint() throws IOException {
        dev.onecycle.checkpoint.CheckpointStore store = dev.onecycle.checkpoint.CheckpointStore.open(
                tmp.resolve("ckpt").toString(), new org.apache.hadoop.conf.Configuration());
        dev.onecycle.dl4j.Network n = dev.onecycle.dl4j.FashionMlp.create(12, 6, 3, 1);
        // 224 examples, 2 workers x 16: 7 iterations per epoch; averaging every 2: 4 rounds
        store.write(new dev.onecycle.checkpoint.CheckpointState(2, 3, 25, dev.onecycle.schedule.OneCyclePolicy
                .builder().setLrMax(0.05).build(), 10, 10, 7, 42, 2, 16, 2, 224, n.paramsSha256(), "t",
                new dev.onecycle.checkpoint.CheckpointState.MidEpoch(2, 1.5, 8, 3.0)), n);
        CliRun r = CliRun.of("inspect", tmp.resolve("ckpt").toString());
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        String json = r.out().replaceAll("\\s", "");
        assertTrue(json.contains("\"name\":\"epoch-0003-round-0002\"") && json.contains("\"round\":2")
                && json.contains("\"iteration\":25"), r.out());
    }

    @Test
    void negativeRoundsOrMidEpochCheckpointsWithoutCheckpointsAreRefused() {
        assertRefused(CliRun.of("train", "--checkpoint-every", "-3"), "--checkpoint-every", "must be >= 0", "-3");
        assertRefused(CliRun.of(Stream.of("train", "--checkpoint-every", "10", "--keep-checkpoints", "0")
                .toArray(String[]::new)), "--checkpoint-every", "--keep-checkpoints is 0");
    }
}
