package dev.onecycle.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one resume decision, on real checkpoint folders: the same checkpoint is continued, or refused for the same
 * reason, whether the command line (flags) or the estimator (Params) asks.
 */
class ResumeDecisionTest {
    /** 224 examples over 2 workers in batches of 16: 7 iterations per epoch; averaging every 2: 4 rounds. */
    private static final long EXAMPLES = 224;

    @TempDir
    Path tmp;

    private final List<String> log = new ArrayList<>();
    private final Network model = FashionMlp.create(12, 6, 3, 1);

    private CheckpointStore store() throws IOException {
        return CheckpointStore.open(tmp.resolve("ckpt").toString(), new Configuration());
    }

    private static SettingValues trained(double lrMax, int batch) {
        return SettingValues.empty().with(Settings.LR_MAX, lrMax).with(Settings.TOT_EPOCHS, 10)
                .with(Settings.BATCH_SIZE, batch).with(Settings.AVERAGING_FREQUENCY, 2)
                .with(Settings.CHECKPOINT_DIR, "ckpt").with(Settings.RESUME, true);
    }

    /** Writes the checkpoint of epochs [0, 2) (or of 2 rounds into epoch 3) of a run of {@link #trained}(0.05, 16). */
    private void writeCheckpoint(CheckpointStore store, boolean midEpoch) throws IOException {
        OneCyclePolicy policy = OneCyclePolicy.builder().setLrMax(0.05).build();
        store.write(midEpoch ? new CheckpointState(2, 3, 25, policy, 10, 10, 7, 42, 2, 16, 2, EXAMPLES,
                model.paramsSha256(), "t", new CheckpointState.MidEpoch(2, 1.5, 8, 3.0))
                : new CheckpointState(1, 2, 14, policy, 10, 10, 7, 42, 2, 16, 2, EXAMPLES, model.paramsSha256(),
                        "t"), model);
    }

    private RunStart decide(SettingValues v, RunNaming n, CheckpointStore store) throws IOException {
        Network fresh = FashionMlp.create(12, 6, 3, 7);
        return new ResumeDecision(new RunSettings(v), n, log::add).decide(store, fresh, null, "the model", EXAMPLES,
                4, (network, what) -> log.add("fits " + what));
    }

    @Test
    void theNewestCheckpointIsContinuedWithItsWorkers() throws IOException {
        CheckpointStore store = store();
        writeCheckpoint(store, false);
        for (RunNaming n : RunNaming.values()) {
            RunStart start = decide(trained(0.05, 16), n, store);
            assertEquals(2, start.startEpoch());
            assertEquals(2, start.workers(), "the checkpoint's workers");
            assertEquals("epoch-0002", start.from().name());
            assertEquals(model.paramsSha256(), start.network().paramsSha256());
            assertNull(start.inEpoch());
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("resuming from") && l.contains("epoch-0002: 2 of 10 epochs "
                + "done (iteration 14)")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("fits checkpoint")), "the model is checked against the data");
    }

    @Test
    void otherSettingsAreRefusedByBothFrontEndsNamingWhatDiffersUnlessAccepted() throws IOException {
        CheckpointStore store = store();
        writeCheckpoint(store, false);
        RunInputException byFlag = assertThrows(RunInputException.class,
                () -> decide(trained(0.2, 16), RunNaming.FLAGS, store));
        assertTrue(byFlag.getMessage().startsWith("--resume: "), byFlag.getMessage());
        assertTrue(byFlag.getMessage().contains("lrMax: checkpoint 0.05, now 0.2")
                && byFlag.getMessage().contains("add --accept-changed-settings"), byFlag.getMessage());
        InvalidParameterException byParam = assertThrows(InvalidParameterException.class,
                () -> decide(trained(0.2, 16), RunNaming.PARAMS, store));
        assertEquals("resume", byParam.parameter());
        assertTrue(byParam.getMessage().contains("lrMax: checkpoint 0.05, now 0.2")
                && byParam.getMessage().contains("set acceptChangedSettings true"), byParam.getMessage());

        RunStart accepted = decide(trained(0.2, 16).with(Settings.ACCEPT_CHANGED_SETTINGS, true), RunNaming.PARAMS,
                store);
        assertEquals(2, accepted.startEpoch());
        assertEquals(0.2, accepted.policy().lrMax(), "the run's own policy");
        assertTrue(log.contains("checkpoints: continuing with changed settings: lrMax: checkpoint 0.05, now 0.2"), log.toString());
    }

    @Test
    void aMidEpochCheckpointContinuesOnlyWithTheSameDataOrderEvenWhenChangesAreAccepted() throws IOException {
        CheckpointStore store = store();
        writeCheckpoint(store, true);
        RunStart start = decide(trained(0.05, 16), RunNaming.FLAGS, store);
        assertEquals(3, start.startEpoch());
        assertEquals(2, start.round());
        SettingValues otherBatch = trained(0.05, 8).with(Settings.ACCEPT_CHANGED_SETTINGS, true);
        RunInputException byFlag = assertThrows(RunInputException.class,
                () -> decide(otherBatch, RunNaming.FLAGS, store));
        assertTrue(byFlag.getMessage().contains("mid-epoch checkpoint") && byFlag.getMessage().contains("batchSize"),
                byFlag.getMessage());
        InvalidParameterException byParam = assertThrows(InvalidParameterException.class,
                () -> decide(otherBatch, RunNaming.PARAMS, store));
        assertEquals("resume", byParam.parameter());
        assertTrue(byParam.getMessage().contains("mid-epoch checkpoint"), byParam.getMessage());
    }

    @Test
    void noCheckpointStartsTheSliceAndOnlyInvalidOnesStopTheRun() throws IOException {
        CheckpointStore store = store();
        RunStart fresh = decide(trained(0.05, 16).with(Settings.START_EPOCH, 1), RunNaming.PARAMS, store);
        assertEquals(1, fresh.startEpoch());
        assertEquals(4, fresh.workers(), "the default workers");
        assertNull(fresh.from());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("no checkpoint in") && l.endsWith("starting at epoch 1")),
                log.toString());

        writeCheckpoint(store, false);
        Files.writeString(tmp.resolve("ckpt/epoch-0002/state.json"), "{}");
        RunInputException e = assertThrows(RunInputException.class,
                () -> decide(trained(0.05, 16), RunNaming.FLAGS, store));
        assertTrue(e.getMessage().startsWith("--resume: found no valid checkpoint in")
                && e.getMessage().contains("epoch-0002"), e.getMessage());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("checkpoints: skipping")), log.toString());
    }

    @Test
    void withoutResumeTheSliceAskedForStartsFromTheGivenNetwork() throws IOException {
        CheckpointStore store = store();
        writeCheckpoint(store, false);
        Network fresh = FashionMlp.create(12, 6, 3, 7);
        RunStart start = new ResumeDecision(new RunSettings(trained(0.05, 16).with(Settings.RESUME, false)
                .with(Settings.WORKERS, 3)), RunNaming.FLAGS, log::add).decide(store, fresh, null, "the model",
                EXAMPLES, 4, (network, what) -> { });
        assertSame(fresh, start.network());
        assertEquals(0, start.startEpoch());
        assertEquals(3, start.workers(), "the workers given");
    }
}
