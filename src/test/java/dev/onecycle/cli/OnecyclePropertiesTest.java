package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.job.TrainingJobSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class OnecyclePropertiesTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clearSystemProperties() {
        System.clearProperty("spark.onecycle.seed");
        System.clearProperty("spark.onecycle.lrMax");
    }

    private TrainingJobSettings settings(String propertiesFile, String... args) {
        TrainCommand cmd = new TrainCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setDefaultValueProvider(OnecycleProperties.load(cl.getCommandSpec(), propertiesFile));
        cl.parseArgs(args);
        return cmd.settings();
    }

    private Path file(String content) throws IOException {
        return Files.writeString(tmp.resolve("onecycle.conf"), content);
    }

    @Test
    void propertiesFileSetsTheJobAndFlagsWin() throws IOException {
        Path conf = file("# a comment\nspark.onecycle.lrMax 0.3\nspark.onecycle.totEpochs=12\n"
                + "spark.onecycle.style pytorch\nspark.onecycle.resume true\nspark.executor.memory 2g\n");
        TrainingJobSettings s = settings(conf.toString());
        assertEquals(0.3, s.policy().lrMax());
        assertEquals(12, s.totEpochs());
        assertEquals("pytorch", s.policy().style().id());
        assertTrue(s.resume());
        assertEquals(32, s.batchSizePerWorker(), "unset keys keep the flag defaults");

        TrainingJobSettings overridden = settings(conf.toString(), "--lr-max", "0.05", "--tot-epochs", "4");
        assertEquals(0.05, overridden.policy().lrMax());
        assertEquals(4, overridden.totEpochs());
    }

    @Test
    void sparkConfigurationKeysApplyAndTheFileWinsOverThem() throws IOException {
        System.setProperty("spark.onecycle.seed", "7");
        System.setProperty("spark.onecycle.lrMax", "0.9");
        TrainingJobSettings s = settings(file("spark.onecycle.lrMax 0.2\n").toString());
        assertEquals(7, s.seed());
        assertEquals(0.2, s.policy().lrMax());
    }

    @Test
    void unknownOnecycleKeyIsAnErrorNamingIt() throws IOException {
        Path conf = file("spark.onecycle.lrMaks 0.3\n");
        CliRun r = CliRun.of("train", "--properties-file", conf.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("spark.onecycle.lrMaks") && r.err().contains("spark.onecycle.lrMax,"), r.err());
    }

    @Test
    void badValueInTheFileIsRefusedNamingTheFlag() throws IOException {
        Path conf = file("spark.onecycle.batchSize many\n");
        CliRun r = CliRun.of("train", "--properties-file", conf.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--batch-size") && r.err().contains("many"), r.err());
    }

    @Test
    void missingPropertiesFileIsRefused() {
        CliRun r = CliRun.of("train", "--properties-file", tmp.resolve("nope.conf").toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--properties-file") && r.err().contains("does not exist"), r.err());
    }

    @Test
    void shippedConfFileIsValid() {
        TrainingJobSettings s = settings("conf/onecycle.conf");
        assertEquals(0.1, s.policy().lrMax());
        assertEquals(5, s.totEpochs());
    }

    @Test
    void camelCaseKeysFollowTheFlags() {
        assertEquals("lrMax", OnecycleProperties.camel("--lr-max"));
        assertEquals("averagingFrequency", OnecycleProperties.camel("--averaging-frequency"));
        assertEquals("seed", OnecycleProperties.camel("--seed"));
    }
}
