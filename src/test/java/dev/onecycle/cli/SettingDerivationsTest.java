package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.job.JobSettings;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The flags, keys and flag names in errors all come from the one declaration of each setting. */
class SettingDerivationsTest {
    @Test
    void flagsAndKeysAreTheDeclaredNames() {
        assertEquals("--lr-max", Settings.LR_MAX.flag());
        assertEquals("spark.onecycle.lrMax", Settings.LR_MAX.key());
        assertEquals("--averaging-frequency", Settings.AVERAGING_FREQUENCY.flag());
        assertEquals("--accept-changed-settings", Settings.ACCEPT_CHANGED_SETTINGS.flag());
        assertEquals("--model-in", JobSettings.MODEL_IN.flag());
    }

    @Test
    void trainHasAFlagForEveryDeclaredSettingWithItsDocAndTheKeysFollow() {
        CommandLine train = new CommandLine(new TrainCommand());
        Set<String> keys = new TreeSet<>();
        for (Setting<?> s : JobSettings.TRAIN) {
            OptionSpec o = train.getCommandSpec().findOption(s.flag());
            assertTrue(o != null, s.flag());
            assertEquals(s.docWithDefault(), o.description()[0]);
            keys.add(s.key());
        }
        Set<String> flags = new TreeSet<>();
        for (OptionSpec o : train.getCommandSpec().options()) {
            flags.add(o.longestName());
        }
        // the settings plus what is not a training setting: help, version, the properties file and Spark's master
        assertEquals(JobSettings.TRAIN.size() + 4, flags.size(), flags.toString());
        CliRun unknown = CliRun.of("train", "--bogus");
        assertEquals(Main.EXIT_USAGE, unknown.exitCode());
        // the known spark.onecycle.* keys are the settings' keys
        System.setProperty("spark.onecycle.lrMaks", "1");
        try {
            CliErrors.UsageException e = assertThrows(CliErrors.UsageException.class,
                    () -> OnecycleProperties.load(train.getCommandSpec(), null));
            assertTrue(e.getMessage().endsWith("known keys: " + String.join(", ", keys)), e.getMessage());
        } finally {
            System.clearProperty("spark.onecycle.lrMaks");
        }
    }

    @Test
    void everyDeclaredSettingHasATrainFlagAndAPropertiesKey() {
        CommandLine train = new CommandLine(new TrainCommand());
        java.util.List<Setting<?>> declared = new java.util.ArrayList<>(Settings.all());
        declared.addAll(Settings.RANGE_TEST);
        for (Setting<?> s : declared) {
            assertTrue(JobSettings.TRAIN.contains(s), s.name() + " is declared but train has no flag for it");
            assertTrue(train.getCommandSpec().findOption(s.flag()) != null, s.flag());
            // its spark.onecycle.* key is known (a properties file may set it)
            System.setProperty(s.key(), s.type() == dev.onecycle.settings.SettingType.BOOLEAN ? "false"
                    : s.defaultValue() != null ? defaultText(s) : "1");
            try {
                OnecycleProperties.load(train.getCommandSpec(), null);
            } catch (CliErrors.UsageException e) {
                assertTrue(!e.getMessage().contains("unknown setting"), s.key() + ": " + e.getMessage());
            } finally {
                System.clearProperty(s.key());
            }
        }
        // and each library setting is an estimator Param
        dev.onecycle.ml.OneCycleClassifier estimator = new dev.onecycle.ml.OneCycleClassifier();
        for (Setting<?> s : Settings.all()) {
            assertEquals(s.name(), estimator.param(s).name());
        }
    }

    private static <T> String defaultText(Setting<T> s) {
        return s.format(s.defaultValue());
    }

    @Test
    void libraryParameterNamesMapToTheirFlags() {
        assertEquals("--moms", CliErrors.FLAG_OF_PARAMETER.get("maxMomentum"));
        assertEquals("--moms", CliErrors.FLAG_OF_PARAMETER.get("baseMomentum"));
        assertEquals("--batch-size", CliErrors.FLAG_OF_PARAMETER.get("batchSizePerWorker"));
        assertEquals("--anneal", CliErrors.FLAG_OF_PARAMETER.get("annealing"));
        assertEquals("--tot-epochs", CliErrors.FLAG_OF_PARAMETER.get("totEpochs"));
        assertEquals("--iters-per-epoch", CliErrors.FLAG_OF_PARAMETER.get("itersPerEpoch"));
    }

    @Test
    void aSettingParsesValidatesAndKnowsItsDefault() {
        assertEquals(32, Settings.BATCH_SIZE.parse("32"));
        assertEquals("batchSize must be a whole number, got 'many'",
                assertThrows(InvalidParameterException.class, () -> Settings.BATCH_SIZE.parse("many")).getMessage());
        assertEquals("batchSize must be > 0, got 0",
                assertThrows(InvalidParameterException.class, () -> Settings.BATCH_SIZE.parse("0")).getMessage());
        assertEquals("lrMax must be finite and > 0, got NaN",
                assertThrows(InvalidParameterException.class, () -> Settings.LR_MAX.parse("NaN")).getMessage());
        SettingValues v = SettingValues.empty().with(Settings.TOT_EPOCHS, 20).with(Settings.START_EPOCH, 8);
        assertEquals(12, Settings.epochs(v), "unset epochs: the rest of the cycle");
        assertEquals(32, v.get(Settings.BATCH_SIZE), "the declared default");
        assertNull(v.get(Settings.WORKERS), "no default: unset");
        assertEquals(250_000.0, Settings.policy(v).finalDiv(), "fastai's final divisor: divFactor * 1e4");
        assertEquals("Epochs to run now. (default: to the end of the cycle)", Settings.EPOCHS.docWithDefault());
    }

    @Test
    void aResumeNamesEveryDeclaredSettingThatDiffersFromTheCheckpoints() {
        dev.onecycle.schedule.OneCyclePolicy was = dev.onecycle.schedule.OneCyclePolicy.builder().setLrMax(0.1)
                .optFinalDiv(1e4).build();
        dev.onecycle.schedule.OneCyclePolicy now = was.toBuilder().optMomentum(0.9, 0.8)
                .optStyle(dev.onecycle.schedule.OneCycleStyle.PYTORCH).build();
        String sha = "0".repeat(64);
        dev.onecycle.checkpoint.CheckpointState a = new dev.onecycle.checkpoint.CheckpointState(1, 2, 20, was, 5, 5,
                10, 42, 2, 32, 4, 640, sha, "t");
        dev.onecycle.checkpoint.CheckpointState b = new dev.onecycle.checkpoint.CheckpointState(1, 2, 20, now, 5, 5,
                10, 7, 2, 32, 4, 640, sha, "t");
        assertEquals(java.util.List.of("moms: checkpoint 0.95,0.85, now 0.9,0.8", "style: checkpoint fastai, now pytorch",
                "seed: checkpoint 42, now 7"), a.differencesFrom(b));
        assertEquals(java.util.List.of(), a.differencesFrom(a));
        // each setting a checkpoint records is a declared one
        assertEquals(Settings.RECORDED.size(), Settings.RECORDED.stream()
                .filter(s -> a.settings().isGiven(s)).count());
        assertEquals(java.util.List.of("lrMax", "divFactor", "pctStart", "finalDiv", "moms", "style", "anneal",
                "threePhase", "totEpochs", "batchSize", "averagingFrequency", "workers", "seed"),
                Settings.RECORDED.stream().map(dev.onecycle.settings.Setting::name).toList(),
                "the settings declared recorded, in declaration order");
        assertEquals(java.util.List.of(), dev.onecycle.job.JobSettings.TRAIN.stream()
                .filter(dev.onecycle.settings.Setting::isRecorded).filter(s -> !Settings.RECORDED.contains(s))
                .toList(), "a recorded setting of the job would not be recorded: only library settings are");
    }
}
