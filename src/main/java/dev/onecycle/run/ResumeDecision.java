package dev.onecycle.run;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.CorruptCheckpointException;
import dev.onecycle.checkpoint.ModelCycle;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.DataSpread;
import dev.onecycle.spark.EpochProgress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;

/**
 * The one decision of where a run starts, for both front ends: without {@code resume} the slice asked for (from
 * the given model, whose own cycle it must continue unless {@code newCycle}); with it the newest valid checkpoint
 * (corrupt newer ones are reported and skipped), refused when its recorded settings differ from this run's unless
 * {@code acceptChangedSettings}, and a mid-epoch checkpoint only with the same data order and rounds; no
 * checkpoint at all starts the slice; only invalid ones stop the run (never a silent fresh start). Refusals are in
 * the front end's words ({@link RunNaming}); what it decides is said on {@code log}.
 */
public final class ResumeDecision {
    /** Refuses a network that does not fit the data (one forward pass), naming {@code what} it is. */
    @FunctionalInterface
    public interface DataFit {
        void check(Network network, String what);
    }

    private final RunSettings s;
    private final RunNaming n;
    private final Consumer<String> log;

    public ResumeDecision(RunSettings settings, RunNaming naming, Consumer<String> log) {
        this.s = settings;
        this.n = naming;
        this.log = log;
    }

    /**
     * The cycle {@code model} carries, when this run continues it; null for a model without one or with
     * {@code newCycle}. Refuses a run that would silently restart or reshape the model's cycle. {@code what}: how
     * the user gave the model ({@code --model-in m.zip}; the Param {@code initialModel}); {@code itersPerEpoch} 0:
     * not known yet (before the workers are).
     */
    public ModelCycle continuedCycle(Network model, String what, int itersPerEpoch) {
        if (s.newCycle()) {
            return null;
        }
        ModelCycle cycle = ModelCycle.of(model).orElse(null);
        if (cycle == null) {
            return null;
        }
        // lrMax auto continues with the model's lrMax (the range test is not run on trained weights)
        OneCyclePolicy policy = s.lrMaxAuto() ? s.policyWithLrMax(cycle.policy().lrMax()) : s.policy();
        Function<Setting<?>, String> named = n::of;
        List<String> differences = cycle.differences(policy, s.totEpochs(), s.startEpoch(), itersPerEpoch, named);
        if (cycle.finished() || !differences.isEmpty()) {
            String newCycle = n.turnOn(Settings.NEW_CYCLE);
            if (n == RunNaming.FLAGS) {
                throw new RunInputException(cycle.refusal(what, differences, named, newCycle));
            }
            throw new InvalidParameterException(what, cycle.refusal("", differences, named, newCycle).substring(1),
                    n.of(Settings.START_EPOCH) + " " + s.startEpoch() + ", " + n.of(Settings.TOT_EPOCHS) + " "
                            + s.totEpochs());
        }
        return cycle;
    }

    /**
     * Where training starts. {@code store}: the run's checkpoints (null: none); {@code fresh}: the network a
     * start without a checkpoint trains, {@code continued} the cycle it carries ({@link #continuedCycle}, or null)
     * and {@code model} how the user gave it; {@code examples}: the training examples; {@code defaultWorkers}: the
     * workers when neither the settings nor a checkpoint give them (Spark's default parallelism).
     */
    public RunStart decide(CheckpointStore store, Network fresh, ModelCycle continued, String model, long examples,
            int defaultWorkers, DataFit fits) throws IOException {
        int given = s.workers();
        if (!s.resume() || store == null) {
            return fresh(fresh, continued, model, examples, given > 0 ? given : defaultWorkers);
        }
        List<String> problems = new ArrayList<>();
        for (Path candidate : store.candidates()) {
            Checkpoint c;
            Network network;
            try {
                c = store.verify(candidate);
                network = store.loadModel(c);
            } catch (CorruptCheckpointException e) {
                problems.add(e.getMessage());
                log.accept("checkpoints: skipping " + e.getMessage());
                continue;
            }
            return fromCheckpoint(c, network, given > 0 ? given : c.state().workers(), examples, fits);
        }
        if (!problems.isEmpty()) {
            throw n.refusal(Settings.RESUME, "found no valid checkpoint in " + store.dir() + " (" + String.join("; ",
                    problems) + "); fix or remove them, or use another " + n.of(Settings.CHECKPOINT_DIR)
                    + " to start afresh", true);
        }
        log.accept("no checkpoint in " + store.dir() + " yet: starting at epoch " + s.startEpoch());
        return fresh(fresh, continued, model, examples, given > 0 ? given : defaultWorkers);
    }

    private RunStart fromCheckpoint(Checkpoint c, Network network, int workers, long examples, DataFit fits) {
        CheckpointState state = c.state();
        // lrMax auto takes the lrMax the checkpoint recorded: it never differs, and the test is not re-run
        OneCyclePolicy policy = s.lrMaxAuto() ? s.policyWithLrMax(state.policy().lrMax()) : s.policy();
        // what this run's checkpoints would record, and the data it counts
        SettingValues now = Settings.trained(policy, s.totEpochs(), workers, s.batchSizePerWorker(),
                s.averagingFrequency(), s.seed(), s.values());
        int ipe = DataSpread.itersPerEpoch(examples, workers, s.batchSizePerWorker());
        List<String> differences = state.differencesFrom(now, ipe, examples);
        if (!differences.isEmpty() && !s.acceptChangedSettings()) {
            throw n.refusal(Settings.RESUME, c.path() + " was written with other settings (" + String.join("; ",
                    differences) + "); rerun with the checkpoint's settings, or "
                    + n.turnOn(Settings.ACCEPT_CHANGED_SETTINGS) + " to continue anyway", true);
        }
        if (!differences.isEmpty()) {
            log.accept("checkpoints: continuing with changed settings: " + String.join("; ", differences));
        }
        fits.check(network, "checkpoint " + c.path());
        if (state.midEpoch() != null) {
            List<String> layout = state.dataOrderDifferencesFrom(now, ipe, examples);
            if (!layout.isEmpty()) {
                throw n.refusal(Settings.RESUME, c.path() + " is a mid-epoch checkpoint, and its rounds only "
                        + "continue with the same data order and rounds (" + String.join("; ", layout) + "); rerun "
                        + "with the checkpoint's settings, or move the epoch-NNNN-round-RRRR folders away to resume "
                        + "from the last epoch-end checkpoint", true);
            }
            log.accept("resuming from " + c.path() + ": " + state.epoch() + " of " + state.totEpochs() + " epochs and "
                    + state.round() + " rounds of the next done (iteration " + state.iteration() + ")");
        } else {
            log.accept("resuming from " + c.path() + ": " + state.epoch() + " of " + state.totEpochs()
                    + " epochs done (iteration " + state.iteration() + ")");
        }
        if (s.lrMaxAuto()) {
            log.accept(String.format(Locale.ROOT, "lr-max auto: %s recorded lrMax %s; the range test is not run "
                    + "again", c.name(), state.policy().lrMax()));
        }
        return new RunStart(network, state.epoch(), workers, c, policy, EpochProgress.of(state));
    }

    /**
     * A start without a checkpoint: the slice asked for, from {@code network}; a model whose cycle this run
     * continues must count the same iterations per epoch, and gives its lrMax to {@code lrMax auto}.
     */
    private RunStart fresh(Network network, ModelCycle continued, String model, long examples, int workers) {
        if (continued == null) {
            return new RunStart(network, s.startEpoch(), workers, null, s.askedPolicy(), null);
        }
        continuedCycle(network, model, DataSpread.itersPerEpoch(examples, workers, s.batchSizePerWorker()));
        if (s.lrMaxAuto()) {
            log.accept(String.format(Locale.ROOT, "lr-max auto: %s continues its cycle with lrMax %s; the range "
                    + "test is not run", model, continued.policy().lrMax()));
            return new RunStart(network, s.startEpoch(), workers, null,
                    s.policyWithLrMax(continued.policy().lrMax()), null);
        }
        return new RunStart(network, s.startEpoch(), workers, null, s.askedPolicy(), null);
    }
}
