package dev.onecycle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mid-epoch checkpoints in the store: their names sort by (epoch, round) as numbers, their state survives
 * state.json, they are pruned with the rest but never the newest epoch-end one, a state that disagrees with its
 * folder or with itself is refused, and the restart ledger counts their positions.
 */
class MidEpochCheckpointsTest {
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.05).build();
    @TempDir
    Path tmp;

    /** 20000 examples, 1 worker, batches of 1: 20000 iterations per epoch; averaging every 2: 10000 rounds. */
    private static CheckpointState state(int epoch, int round, Network net) {
        CheckpointState.MidEpoch mid = round == 0 ? null : new CheckpointState.MidEpoch(round, 0.1 + 0.2, 2L * round,
                12.5);
        return new CheckpointState(round == 0 ? CheckpointState.EPOCH_END_FORMAT : CheckpointState.FORMAT_VERSION,
                epoch, CheckpointState.iterationAt(epoch, round, 20000, 2), POLICY, 4, 4, 20000, 42, 1, 1, 2, 20000,
                net.paramsSha256(), "2026-12-01T00:00:00Z", mid);
    }

    private CheckpointStore store() throws IOException {
        return CheckpointStore.open(tmp.resolve("ckpt").toString(), new Configuration());
    }

    private void write(CheckpointStore store, int epoch, int round) throws IOException {
        Network n = CheckpointStoreTest.net(epoch * 100000 + round);
        store.write(state(epoch, round, n), n);
    }

    private static List<String> names(List<org.apache.hadoop.fs.Path> paths) {
        return paths.stream().map(org.apache.hadoop.fs.Path::getName).toList();
    }

    @Test
    void namesCarryTheRoundAndSortByEpochThenRoundAsNumbers() throws IOException {
        assertEquals("epoch-0008", CheckpointStore.nameFor(8, 0));
        assertEquals("epoch-0008-round-0120", CheckpointStore.nameFor(8, 120));
        CheckpointStore store = store();
        write(store, 1, 0);
        write(store, 1, 9999);
        write(store, 1, 2);
        write(store, 1, 10000 - 1 - 1);
        write(store, 2, 0);
        write(store, 0, 3);
        assertEquals(List.of("epoch-0002", "epoch-0001-round-9999", "epoch-0001-round-9998", "epoch-0001-round-0002",
                "epoch-0001", "epoch-0000-round-0003"), names(store.candidates()));
        assertEquals("epoch-0002", store.newestValid(m -> { }).orElseThrow().name());
    }

    @Test
    void roundsPastFourDigitsStillSortAsNumbers() throws IOException {
        CheckpointStore store = store();
        Network a = CheckpointStoreTest.net(1);
        Network b = CheckpointStoreTest.net(2);
        // 10 examples per iteration... 200000 iterations per epoch: 100000 rounds
        store.write(new CheckpointState(2, 0, 20000, POLICY, 4, 4, 200000, 42, 1, 1, 2, 200000, a.paramsSha256(), "t",
                new CheckpointState.MidEpoch(10000, 0, 0, 0)), a);
        store.write(new CheckpointState(2, 0, 19998, POLICY, 4, 4, 200000, 42, 1, 1, 2, 200000, b.paramsSha256(), "t",
                new CheckpointState.MidEpoch(9999, 0, 0, 0)), b);
        assertEquals(List.of("epoch-0000-round-10000", "epoch-0000-round-9999"), names(store.candidates()));
    }

    @Test
    void midEpochStateSurvivesItsJsonRoundTrip() throws IOException {
        CheckpointStore store = store();
        write(store, 3, 77);
        Checkpoint c = store.newestValid(m -> { }).orElseThrow();
        assertEquals("epoch-0003-round-0077", c.name());
        CheckpointState s = c.state();
        assertEquals(state(3, 77, CheckpointStoreTest.net(300077)), s);
        assertEquals(0.1 + 0.2, s.midEpoch().lossSum(), 0.0, "the loss sum bitwise");
        assertEquals(3L * 20000 + 154, s.iteration());
        assertEquals(2, s.formatVersion());
    }

    @Test
    void epochEndCheckpointsStayFormatOneSoOlderReleasesResumeFromThem() throws Exception {
        CheckpointStore store = store();
        write(store, 2, 0);
        Map<?, ?> json = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                tmp.resolve("ckpt/epoch-0002/state.json").toFile(), Map.class);
        assertEquals(1, json.get("formatVersion"));
        assertFalse(json.containsKey("midEpoch"));
        assertEquals(0, store.newestValid(m -> { }).orElseThrow().state().round());
    }

    @Test
    void pruneCountsEveryCheckpointButKeepsTheNewestEpochEndOne() throws IOException {
        CheckpointStore store = store();
        write(store, 1, 0);
        write(store, 1, 2);
        write(store, 1, 4);
        write(store, 1, 6);
        assertEquals(List.of("epoch-0001-round-0002"), names(store.prune(2)));
        assertEquals(List.of("epoch-0001-round-0006", "epoch-0001-round-0004", "epoch-0001"),
                names(store.candidates()), "the newest epoch-end checkpoint stays though it is beyond keep 2");
        write(store, 2, 0);
        assertEquals(List.of("epoch-0001-round-0004", "epoch-0001"), names(store.prune(2)));
        assertEquals(List.of("epoch-0002", "epoch-0001-round-0006"), names(store.candidates()));
    }

    private CorruptCheckpointException refused(CheckpointState s, String folder) {
        return assertThrows(CorruptCheckpointException.class, () -> s.checkConsistent(folder, folder));
    }

    @Test
    void stateThatDisagreesWithItsFolderOrItselfIsRefused() {
        Network n = CheckpointStoreTest.net(1);
        CheckpointState good = state(1, 40, n);
        assertTrue(refused(good, "epoch-0001-round-0041").getMessage()
                .contains("state.json says round 40 but the folder is epoch-0001-round-0041"));
        assertTrue(refused(good, "epoch-0001").getMessage().contains("says round 40"));
        assertTrue(refused(state(1, 0, n), "epoch-0001-round-0040").getMessage().contains("says round 0"));
        CheckpointState wrongIteration = new CheckpointState(2, 1, 20000, POLICY, 4, 4, 20000, 42, 1, 1, 2, 20000,
                n.paramsSha256(), "t", good.midEpoch());
        assertTrue(refused(wrongIteration, "epoch-0001-round-0040").getMessage().contains(
                "iteration 20000 is not epoch 1 x itersPerEpoch 20000 + round 40 x averagingFrequency 2 = 20080"));
        CheckpointState pastTheEpoch = new CheckpointState(2, 1, 40000, POLICY, 4, 4, 20000, 42, 1, 1, 2, 20000,
                n.paramsSha256(), "t", new CheckpointState.MidEpoch(10000, 0, 0, 0));
        assertTrue(refused(pastTheEpoch, "epoch-0001-round-10000").getMessage()
                .contains("midEpoch round 10000 is not inside the epoch's 10000 rounds"));
        CheckpointState formatOne = new CheckpointState(1, 1, 20080, POLICY, 4, 4, 20000, 42, 1, 1, 2, 20000,
                n.paramsSha256(), "t", good.midEpoch());
        assertTrue(refused(formatOne, "epoch-0001-round-0040").getMessage().contains("midEpoch needs format 2"));
        CheckpointState negative = new CheckpointState(2, 1, 20080, POLICY, 4, 4, 20000, 42, 1, 1, 2, 20000,
                n.paramsSha256(), "t", new CheckpointState.MidEpoch(40, Double.NaN, -1, 1));
        assertTrue(refused(negative, "epoch-0001-round-0040").getMessage().contains("midEpoch minibatches -1"));
    }

    @Test
    void ledgerCountsMidEpochPositionsAndAGracefulStopIsNoFailure() throws IOException {
        CheckpointStore store = store();
        assertEquals(1, store.recordStart(2, 40));
        assertEquals(2, store.recordStart(2, 40));
        assertEquals(1, store.recordStart(2, 80), "a newer mid-epoch checkpoint is progress");
        assertEquals(2, store.recordStart(2, 80));
        store.recordGracefulStop();
        assertEquals(1, store.recordStart(2, 80), "after a graceful stop the start is no restart without progress");
        assertEquals(2, store.recordStart(2, 80));
        Files.writeString(tmp.resolve("ckpt").resolve("RESTARTS.json"), "{torn");
        store.recordGracefulStop();
        assertEquals(1, store.recordStart(2, 80), "a torn ledger resets, never blocks");
    }

    @Test
    void cadenceIsDueAtMultiplesOfItsRoundsOrAfterItsInterval() {
        CheckpointCadence rounds = new CheckpointCadence(40, Duration.ZERO);
        assertFalse(rounds.due(0, 39, Duration.ofHours(1)));
        assertTrue(rounds.due(0, 40, Duration.ZERO));
        assertTrue(rounds.due(38, 42, Duration.ZERO), "a job of several rounds that passes round 40");
        assertFalse(rounds.due(40, 79, Duration.ZERO));
        assertTrue(rounds.due(41, 80, Duration.ZERO), "resumed at round 41: still at the multiples of 40");
        CheckpointCadence time = new CheckpointCadence(0, Duration.ofMinutes(5));
        assertFalse(time.due(0, 1000, Duration.ofSeconds(299)));
        assertTrue(time.due(0, 1, Duration.ofMinutes(5)));
        assertFalse(CheckpointCadence.EPOCH_END_ONLY.due(0, 1000, Duration.ofDays(1)));
        assertEquals(Duration.ofMinutes(5), CheckpointCadence.DEFAULT.interval());
        assertEquals("every 5m", CheckpointCadence.DEFAULT.toString());
        assertEquals("every 40 rounds or 30s", new CheckpointCadence(40, Duration.ofSeconds(30)).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CheckpointCadence(-1, Duration.ZERO));
        assertTrue(e.getMessage().contains("checkpointEvery must be >= 0") && e.getMessage().contains("-1"));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointCadence(0, Duration.ofSeconds(-1)));
    }
}
