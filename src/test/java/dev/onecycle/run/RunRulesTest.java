package dev.onecycle.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules between settings hold for both front ends alike: the same values are refused by the command line's
 * naming and by the estimator's, naming the same setting in each one's words.
 */
class RunRulesTest {
    private static final SettingValues CHECKPOINTS = SettingValues.empty().with(Settings.CHECKPOINT_DIR, "ckpt");

    /** Settings that do not go together, and the setting each refusal names. */
    private static final List<Object[]> REFUSED = List.of(
            new Object[] {CHECKPOINTS.with(Settings.CHECKPOINT_EVERY, 10).with(Settings.KEEP_CHECKPOINTS, 0),
                Settings.CHECKPOINT_EVERY, "keepCheckpoints is 0"},
            new Object[] {CHECKPOINTS.with(Settings.CHECKPOINT_INTERVAL, Duration.ofSeconds(30))
                    .with(Settings.KEEP_CHECKPOINTS, 0), Settings.CHECKPOINT_INTERVAL, "keepCheckpoints is 0"},
            new Object[] {CHECKPOINTS.with(Settings.RESUME, true).with(Settings.KEEP_CHECKPOINTS, 0), Settings.RESUME,
                "keepCheckpoints is 0"},
            new Object[] {SettingValues.empty().with(Settings.RESUME, true), Settings.RESUME, "checkpointDir"},
            new Object[] {SettingValues.empty().with(Settings.TOT_EPOCHS, 2).with(Settings.START_EPOCH, 2),
                Settings.START_EPOCH, "< totEpochs"},
            new Object[] {SettingValues.empty().with(Settings.THREE_PHASE, true), Settings.THREE_PHASE, "pytorch"});

    @Test
    void theSameSettingsAreRefusedByBothFrontEndsNamingTheSameSetting() {
        for (Object[] c : REFUSED) {
            RunSettings s = new RunSettings((SettingValues) c[0]);
            Setting<?> named = (Setting<?>) c[1];
            String rule = (String) c[2];
            InvalidParameterException byParam = assertThrows(InvalidParameterException.class,
                    () -> RunRules.check(s, RunNaming.PARAMS), named.name());
            assertEquals(named.name(), byParam.parameter(), byParam.getMessage());
            assertTrue(byParam.getMessage().contains(rule), byParam.getMessage());
            RuntimeException byFlag = assertThrows(RuntimeException.class, () -> RunRules.check(s, RunNaming.FLAGS));
            String flagged = byFlag instanceof InvalidParameterException ipe ? ipe.parameter() : byFlag.getMessage();
            assertTrue(flagged.startsWith(byFlag instanceof InvalidParameterException ? named.name() : named.flag()),
                    byFlag.getMessage());
        }
    }

    @Test
    void theCommandLinesRefusalNamesFlagsAndTheEstimatorsItsParams() {
        RunSettings s = new RunSettings(CHECKPOINTS.with(Settings.CHECKPOINT_EVERY, 10)
                .with(Settings.KEEP_CHECKPOINTS, 0));
        assertEquals("--checkpoint-every 10: needs checkpoints, but --keep-checkpoints is 0: drop one of them",
                assertThrows(RunInputException.class, () -> RunRules.check(s, RunNaming.FLAGS)).getMessage());
        assertEquals("checkpointEvery needs checkpoints, but keepCheckpoints is 0: drop one of them, got 10",
                assertThrows(InvalidParameterException.class, () -> RunRules.check(s, RunNaming.PARAMS)).getMessage());
    }

    @Test
    void settingsThatGoTogetherPass() {
        RunRules.check(new RunSettings(SettingValues.empty()), RunNaming.PARAMS);
        RunRules.check(new RunSettings(CHECKPOINTS.with(Settings.RESUME, true).with(Settings.CHECKPOINT_EVERY, 5)),
                RunNaming.FLAGS);
        // the interval's default asks for nothing: no checkpoints is fine without it
        RunRules.check(new RunSettings(CHECKPOINTS.with(Settings.KEEP_CHECKPOINTS, 0)), RunNaming.PARAMS);
    }
}
