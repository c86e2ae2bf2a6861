package dev.onecycle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import dev.onecycle.settings.Settings;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints whose manifest verifies but whose state.json lies (edited, manifest updated to match): each is
 * reported by name and skipped like a corrupt one, and the previous valid checkpoint is used.
 */
public class CheckpointConsistencyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /**
     * Checkpoints epoch-0001 and epoch-0002 of a 10-epoch cycle (7 iterations per epoch), real files; their models
     * carry the 1cycle and the counters as the trainer's do.
     */
    private CheckpointStore twoCheckpoints() throws IOException {
        CheckpointStore store = CheckpointStore.open(tmp.resolve("ckpt").toString(), new Configuration());
        for (int e = 1; e <= 2; e++) {
            Network n = CheckpointStoreTest.net(e);
            CheckpointState s = CheckpointStoreTest.state(e, n);
            dev.onecycle.dl4j.OneCycleUpdaters.install(n, s.policy(), dev.onecycle.schedule.CycleSlice.full(
                    s.totEpochs(), s.itersPerEpoch()));
            n.setIterationCount(Math.toIntExact(s.iteration()));
            n.setEpochCount(s.epoch());
            store.write(s, n);
        }
        return store;
    }

    /**
     * Edits {@code folder/state.json} and rewrites the manifest's size and SHA-256 of it, as a careful liar
     * would: the manifest then verifies.
     */
    @SuppressWarnings("unchecked")
    public static void lie(Path folder, Consumer<Map<String, Object>> edit) throws Exception {
        Path state = folder.resolve("state.json");
        Map<String, Object> s = JSON.readValue(state.toFile(), Map.class);
        edit.accept(s);
        byte[] bytes = JSON.writeValueAsBytes(s);
        Files.write(state, bytes);
        Path manifest = folder.resolve("MANIFEST.json");
        Map<String, Object> m = JSON.readValue(manifest.toFile(), Map.class);
        for (Map<String, Object> entry : (List<Map<String, Object>>) m.get("files")) {
            if (entry.get("name").equals("state.json")) {
                entry.put("size", bytes.length);
                entry.put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            }
        }
        Files.write(manifest, JSON.writeValueAsBytes(m));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cycle(Map<String, Object> s) {
        return (Map<String, Object>) s.get("cycle");
    }

    private void assertSkippedForTheOlderOne(String expected, Consumer<Map<String, Object>> edit) throws Exception {
        CheckpointStore store = twoCheckpoints();
        Path newest = tmp.resolve("ckpt/epoch-0002");
        lie(newest, edit);
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                () -> store.verify(new org.apache.hadoop.fs.Path(newest.toString())));
        assertTrue(e.getMessage().contains("epoch-0002") && e.getMessage().contains(expected), e.getMessage());
        List<String> report = new ArrayList<>();
        Checkpoint c = store.newestValid(report::add).orElseThrow();
        assertEquals("epoch-0001", c.name(), "falls back to the previous valid checkpoint");
        assertEquals(1, report.size(), report.toString());
        assertTrue(report.get(0).contains("epoch-0002") && report.get(0).contains(expected), report.toString());
    }

    @Test
    void epochOutsideTheCycleIsSkipped() throws Exception {
        assertSkippedForTheOlderOne("outside the 10-epoch cycle", s -> {
            s.put("epoch", 12);
            s.put("iteration", 84);
        });
    }

    @Test
    void negativeEpochIsSkippedNotBlamedOnAFlag() throws Exception {
        assertSkippedForTheOlderOne("epoch -1", s -> {
            s.put("epoch", -1);
            s.put("iteration", -7);
        });
    }

    @Test
    void epochThatDisagreesWithItsFolderIsSkipped() throws Exception {
        assertSkippedForTheOlderOne("says epoch 1 but the folder is epoch-0002", s -> {
            s.put("epoch", 1);
            s.put("iteration", 7);
        });
    }

    @Test
    void iterationThatIsNotEpochTimesItersPerEpochIsSkipped() throws Exception {
        assertSkippedForTheOlderOne("iteration 15 is not epoch 2 x itersPerEpoch 7", s -> s.put("iteration", 15));
    }

    @Test
    void itersPerEpochThatTheDataCannotGiveIsSkipped() throws Exception {
        assertSkippedForTheOlderOne("itersPerEpoch 5 is not what 224 examples", s -> {
            cycle(s).put("itersPerEpoch", 5);
            s.put("iteration", 10);
        });
    }

    @Test
    void endEpochBeyondTheCycleIsSkipped() throws Exception {
        assertSkippedForTheOlderOne("endEpoch 11", s -> cycle(s).put("endEpoch", 11));
    }

    @Test
    void parametersThatDoNotMatchTheirHashAreSkipped() throws Exception {
        assertSkippedForTheOlderOne("do not match paramsSha256",
                s -> s.put("paramsSha256", CheckpointStoreTest.net(7).paramsSha256()));
    }

    /** Every field of state.json that holds a recorded setting ({@code policy.lrMax}, ..., {@code seed}). */
    static Stream<String> recordedFields() {
        return Settings.RECORDED.stream().flatMap(s -> s.statePaths().stream());
    }

    @SuppressWarnings("unchecked")
    private static void edit(Map<String, Object> state, String path, java.util.function.Function<Object, Object> f) {
        String[] parts = path.split("\\.");
        Map<String, Object> m = state;
        for (int i = 0; i < parts.length - 1; i++) {
            m = (Map<String, Object>) m.get(parts[i]);
        }
        Object v = f.apply(m.get(parts[parts.length - 1]));
        if (v == null) {
            m.remove(parts[parts.length - 1]);
        } else {
            m.put(parts[parts.length - 1], v);
        }
    }

    @ParameterizedTest
    @MethodSource("recordedFields")
    void aRecordedSettingThatIsMissingIsSkippedNamingItsField(String field) throws Exception {
        assertSkippedForTheOlderOne(field + " is missing", s -> edit(s, field, v -> null));
    }

    @ParameterizedTest
    @MethodSource("recordedFields")
    void aRecordedSettingOfTheWrongTypeIsSkippedNamingItsField(String field) throws Exception {
        // text where a number, a boolean or a known name belongs (style and annealing: a name no release writes)
        assertSkippedForTheOlderOne(field, s -> edit(s, field, v -> v instanceof String ? "x" + v : "x"));
    }

    @Test
    void aRecordedSettingItsRuleRefusesIsSkippedWithTheRule() throws Exception {
        assertSkippedForTheOlderOne("policy.lrMax: lrMax must be finite and > 0, got -0.1",
                s -> edit(s, "policy.lrMax", v -> -0.1));
        assertSkippedForTheOlderOne("workers: workers must be > 0, got 0", s -> edit(s, "workers", v -> 0));
        assertSkippedForTheOlderOne("batchSizePerWorker: expected a whole number, got 2.5",
                s -> edit(s, "batchSizePerWorker", v -> 2.5));
    }

    @Test
    void aStateWhoseLrMaxIsNotTheModelsScheduleIsSkipped() throws Exception {
        // consistent in itself, but the model was trained with lrMax 0.05
        assertSkippedForTheOlderOne("state.json does not describe model.zip (lrMax 0.05 in model.zip, 0.07 in "
                + "state.json)", s -> edit(s, "policy.lrMax", v -> 0.07));
    }

    @Test
    void aCheckpointRenamedToALaterEpochWithItsStateEditedToMatchIsSkipped() throws Exception {
        CheckpointStore store = twoCheckpoints();
        Path newest = tmp.resolve("ckpt/epoch-0002");
        Path renamed = tmp.resolve("ckpt/epoch-0003");
        Files.move(newest, renamed);
        lie(renamed, s -> {
            s.put("epoch", 3);
            s.put("iteration", 21);
        });
        List<String> report = new ArrayList<>();
        assertEquals("epoch-0001", store.newestValid(report::add).orElseThrow().name());
        assertEquals(1, report.size(), report.toString());
        assertTrue(report.get(0).contains("epoch-0003") && report.get(0).contains("iteration 14 of epoch 2 in "
                + "model.zip, iteration 21 of epoch 3 in state.json"), report.toString());
    }

    @Test
    void aConsistentCheckpointStillVerifies() throws Exception {
        CheckpointStore store = twoCheckpoints();
        List<String> report = new ArrayList<>();
        assertEquals("epoch-0002", store.newestValid(report::add).orElseThrow().name());
        assertTrue(report.isEmpty(), report.toString());
        // the shipped format-1 checkpoint (written by an earlier release) is consistent too
        Path shipped = Path.of("src/test/resources/checkpoints/format-1/epoch-0002");
        CheckpointStore old = CheckpointStore.open(shipped.getParent().toString(), new Configuration());
        assertEquals(2, old.verify(new org.apache.hadoop.fs.Path(shipped.toAbsolutePath().toUri())).state().epoch());
    }
}
