package dev.onecycle.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onecycle.schedule.OneCycleStyle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** state.json's settings come from the declarations: a setting declared recorded is written and read back. */
class RecordedSettingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A setting a later release might add to what checkpoints record: declared once, nothing else. */
    private static final Setting<Double> WEIGHT_DECAY = Setting.builder("weightDecay", SettingType.DOUBLE)
            .doc("L2 weight decay.").defaultValue(0.0).rule(v -> {
                if (!(v >= 0)) {
                    throw new dev.onecycle.schedule.InvalidParameterException("weightDecay", "must be >= 0", v);
                }
            }).recorded("network.weightDecay").absentFromStateMeans(0.0).build();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> throughJackson(Map<String, Object> json) throws Exception {
        return JSON.readValue(JSON.writeValueAsBytes(json), Map.class);
    }

    @Test
    void aSettingDeclaredRecordedIsWrittenAtItsPathAndReadBack() throws Exception {
        List<Setting<?>> recorded = List.of(Settings.MOMS, Settings.STYLE, Settings.SEED, WEIGHT_DECAY);
        SettingValues v = SettingValues.empty().with(Settings.MOMS, new MomentumPair(0.9, 0.8))
                .with(Settings.STYLE, OneCycleStyle.PYTORCH).with(Settings.SEED, -7L).with(WEIGHT_DECAY, 1e-4);
        Map<String, Object> json = new LinkedHashMap<>();
        RecordedSettings.write(v, recorded, json);
        assertEquals("{policy={maxMomentum=0.9, baseMomentum=0.8, style=pytorch}, seed=-7, "
                + "network={weightDecay=1.0E-4}}", json.toString());
        assertEquals(v, RecordedSettings.read(throughJackson(json), recorded));
    }

    @Test
    void everySettingCheckpointsRecordSurvivesJson() throws Exception {
        SettingValues v = Settings.trained(Settings.policy(SettingValues.empty().with(Settings.LR_MAX, 0.3)
                .with(Settings.STYLE, OneCycleStyle.PYTORCH).with(Settings.THREE_PHASE, true)), 12, 3, 8, 5,
                Long.MAX_VALUE, SettingValues.empty());
        Map<String, Object> json = new LinkedHashMap<>();
        RecordedSettings.write(v, Settings.RECORDED, json);
        assertEquals(v, RecordedSettings.read(throughJackson(json), Settings.RECORDED));
    }

    @Test
    void aCheckpointWrittenBeforeASettingWasRecordedReadsAsWhatItsAbsenceMeans() throws Exception {
        // the shipped format-1 checkpoint has no network.weightDecay: it stands for the 0.0 of its release
        @SuppressWarnings("unchecked")
        Map<String, Object> shipped = JSON.readValue(getClass().getResource(
                "/checkpoints/format-1/epoch-0002/state.json"), Map.class);
        List<Setting<?>> recorded = new java.util.ArrayList<>(Settings.RECORDED);
        recorded.add(WEIGHT_DECAY);
        SettingValues v = RecordedSettings.read(shipped, recorded);
        assertEquals(0.0, v.get(WEIGHT_DECAY));
        assertEquals(0.1, v.get(Settings.LR_MAX));
        // a setting without that declaration is required: its field missing is an incomplete checkpoint
        shipped.remove("seed");
        assertEquals("seed is missing", assertThrows(IllegalArgumentException.class,
                () -> RecordedSettings.read(shipped, recorded)).getMessage());
    }

    @Test
    void aFieldThatIsMissingWrongOrRefusedIsNamed() throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        RecordedSettings.write(SettingValues.empty().with(WEIGHT_DECAY, 0.1), List.of(WEIGHT_DECAY), json);
        assertEquals("policy.lrMax is missing", assertThrows(IllegalArgumentException.class,
                () -> RecordedSettings.read(json, List.of(Settings.LR_MAX))).getMessage());
        json.put("network", Map.of("weightDecay", "much"));
        assertEquals("network.weightDecay: expected a number, got 'much'", assertThrows(IllegalArgumentException.class,
                () -> RecordedSettings.read(json, List.of(WEIGHT_DECAY))).getMessage());
        json.put("network", Map.of("weightDecay", -1));
        assertEquals("network.weightDecay: weightDecay must be >= 0, got -1.0", assertThrows(
                IllegalArgumentException.class, () -> RecordedSettings.read(json, List.of(WEIGHT_DECAY))).getMessage());
        json.put("seed", 4.5);
        assertEquals("seed: expected a whole number, got 4.5", assertThrows(IllegalArgumentException.class,
                () -> RecordedSettings.read(json, List.of(Settings.SEED))).getMessage());
    }
}
