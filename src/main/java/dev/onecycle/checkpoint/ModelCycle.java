package dev.onecycle.checkpoint;

import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleLearningRate;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a trained network stands in the 1cycle it was trained with, as the network itself carries it (the
 * trainer saves the cycle's schedule in the updater's configuration and the position in DL4J's iteration and
 * epoch counters; a checkpoint's {@code state.json} is checked against the same): its policy, the cycle's
 * length in epochs and iterations per epoch, and the epoch and iteration it has reached.
 *
 * <p>Continuing such a network means the same cycle from where it ended; anything else starts a new cycle on
 * trained weights, which must be asked for explicitly ({@link Settings#NEW_CYCLE}). A network without the
 * 1cycle's schedule, or that has not trained a step (a model a user built), carries no cycle: a fresh start.
 */
public record ModelCycle(OneCyclePolicy policy, int totEpochs, int itersPerEpoch, int epoch, long iteration) {

    /** The cycle {@code network} carries, or empty for a network with none (no 1cycle schedule, or untrained). */
    public static Optional<ModelCycle> of(Network network) {
        Optional<OneCycleLearningRate> lr = OneCycleUpdaters.learningRateOf(network);
        if (lr.isEmpty() || network.iterationCount() == 0 && network.epochCount() == 0) {
            return Optional.empty();
        }
        return Optional.of(new ModelCycle(lr.get().policy(), lr.get().slice().totEpochs(),
                lr.get().slice().itersPerEpoch(), network.epochCount(), network.iterationCount()));
    }

    /** True when the network ended its cycle: only a new cycle trains it further. */
    public boolean finished() {
        return epoch >= totEpochs;
    }

    /** True when the network stopped at an epoch's end (as every fit and {@code train} leave it). */
    public boolean atEpochEnd() {
        return iteration == (long) epoch * itersPerEpoch;
    }

    /** What the network holds: {@code "epoch 8 of a 20-epoch 1cycle (iteration 120, 15 per epoch; lrMax 0.05)"}. */
    public String describe() {
        return "epoch " + epoch + " of a " + totEpochs + "-epoch 1cycle (iteration " + iteration + ", "
                + itersPerEpoch + " per epoch; lrMax " + policy.lrMax() + ", " + policy.style().id() + ")";
    }

    /**
     * How a training over {@code totEpochs} from {@code startEpoch} with {@code policy} (null: not known yet,
     * not compared) and {@code itersPerEpoch} (0: not known yet) differs from continuing this cycle, each
     * difference naming the setting as {@code named} spells it; empty when it continues the cycle exactly.
     */
    public List<String> differences(OneCyclePolicy policy, int totEpochs, int startEpoch, int itersPerEpoch,
            Function<Setting<?>, String> named) {
        List<String> d = new ArrayList<>();
        if (!atEpochEnd()) {
            d.add("the model stopped inside epoch " + epoch + " (iteration " + iteration + "), not at an epoch's end");
        }
        if (startEpoch != epoch) {
            d.add(named.apply(Settings.START_EPOCH) + " " + startEpoch + " where the model is at epoch " + epoch);
        }
        if (totEpochs != this.totEpochs) {
            d.add(named.apply(Settings.TOT_EPOCHS) + " " + totEpochs + " where the model's cycle has " + this.totEpochs);
        }
        if (policy != null) {
            SettingValues mine = Settings.of(this.policy, SettingValues.empty());
            SettingValues asked = Settings.of(policy, SettingValues.empty());
            for (Setting<?> s : mine.differing(asked, Settings.POLICY)) {
                d.add(named.apply(s) + " " + asked.text(s) + " where the model's is " + mine.text(s));
            }
        }
        if (itersPerEpoch > 0 && itersPerEpoch != this.itersPerEpoch) {
            d.add(itersPerEpoch + " iterations per epoch where the model's cycle has " + this.itersPerEpoch
                    + ", which the rows, " + named.apply(Settings.WORKERS) + " and " + named.apply(Settings.BATCH_SIZE)
                    + " of its first part gave");
        }
        return d;
    }

    /**
     * The one-line refusal of a training that does not continue this cycle: what {@code what} (the model, as the
     * user gave it) holds, what differs and how to continue, or {@code newCycle} (how to ask for a new cycle).
     */
    public String refusal(String what, List<String> differences, Function<Setting<?>, String> named,
            String newCycle) {
        if (!atEpochEnd()) {
            return what + " holds " + describe() + ", stopped inside that epoch: only its checkpoint continues it ("
                    + named.apply(Settings.RESUME) + " with that checkpoint's folder), or " + newCycle
                    + " to start a new cycle from its weights";
        }
        if (finished()) {
            return what + " holds " + describe() + ", which it has finished; to train it further, " + newCycle
                    + " to start a new cycle from its weights";
        }
        return what + " holds " + describe() + " and this training does not continue that cycle ("
                + String.join("; ", differences) + "); continue it with " + named.apply(Settings.START_EPOCH) + " "
                + epoch + " and " + named.apply(Settings.TOT_EPOCHS) + " " + totEpochs + " (and its policy), or "
                + newCycle + " to start a new cycle from its weights";
    }
}
