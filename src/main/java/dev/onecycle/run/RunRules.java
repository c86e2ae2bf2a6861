package dev.onecycle.run;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;

/**
 * Every rule between settings, once, for both front ends: what each setting's own rule (its declaration) cannot
 * see. Checked before anything is loaded; a refusal names the setting in the front end's words ({@link RunNaming}).
 * A rule added here holds for {@code onecycle train}, {@code lr-find} and {@code OneCycleClassifier} alike.
 */
public final class RunRules {
    private RunRules() {
    }

    /** Refuses settings that do not go together; returns them when they do. */
    public static RunSettings check(RunSettings s, RunNaming n) {
        SettingValues v = s.values();
        s.policy(); // the policy's combination (three phases only with pytorch): each value was checked alone
        // the slice's bounds: itersPerEpoch comes from the data later, 1 checks the epochs now
        CycleSlice.builder().optTotEpochs(s.totEpochs()).optStartEpoch(s.startEpoch()).setEpochs(s.epochs())
                .setItersPerEpoch(1).build();
        if (s.keepCheckpoints() == 0) {
            // mid-epoch checkpoints asked for (the interval's default is no request) but none are written
            Setting<?> midEpoch = v.isGiven(Settings.CHECKPOINT_EVERY) && v.get(Settings.CHECKPOINT_EVERY) > 0
                    ? Settings.CHECKPOINT_EVERY
                    : v.isGiven(Settings.CHECKPOINT_INTERVAL) && !v.get(Settings.CHECKPOINT_INTERVAL).isZero()
                            ? Settings.CHECKPOINT_INTERVAL : null;
            if (midEpoch != null) {
                throw n.refusal(midEpoch, needsCheckpoints(n), v.get(midEpoch));
            }
        }
        if (s.resume() && s.checkpointDir() == null) {
            throw n.refusal(Settings.RESUME, "needs " + n.of(Settings.CHECKPOINT_DIR) + " (where the checkpoints are)",
                    true);
        }
        if (s.resume() && s.keepCheckpoints() == 0) {
            throw n.refusal(Settings.RESUME, needsCheckpoints(n), true);
        }
        return s;
    }

    private static String needsCheckpoints(RunNaming n) {
        return "needs checkpoints, but " + n.of(Settings.KEEP_CHECKPOINTS) + " is 0: drop one of them";
    }
}
