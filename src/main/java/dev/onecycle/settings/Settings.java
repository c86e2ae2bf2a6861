package dev.onecycle.settings;

import dev.onecycle.averaging.AveragingPath;
import dev.onecycle.dl4j.BuiltInNetwork;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleStyle;
import java.util.List;

/**
 * The settings of 1cycle training, each declared once: the policy, the cycle, the trainer, the built-in
 * network and checkpoints. {@code onecycle train} makes its flags and {@code spark.onecycle.*} keys from them,
 * {@code OneCycleClassifier} its Params, a checkpoint its {@code state.json} fields and a resume its "what
 * differs". To add a setting: declare it here (and in the lists it belongs to), then use it; one that fixes the
 * cycle or the data order is declared {@code recorded("its.field")}, with {@code absentFromStateMeans(value)}
 * (the value earlier releases used) so that their checkpoints still resume.
 */
public final class Settings {
    private Settings() {
    }

    // ---- the policy (rules: OneCyclePolicy.Builder's own) ----
    public static final Setting<Double> LR_MAX = Setting.builder("lrMax", SettingType.DOUBLE)
            .doc("Peak learning rate (finite, > 0).").defaultValue(0.1).paramLabel("X")
            .rule(v -> OneCyclePolicy.builder().setLrMax(v)).recorded("policy.lrMax").build();
    public static final Setting<Double> DIV_FACTOR = Setting.builder("divFactor", SettingType.DOUBLE)
            .doc("The cycle starts at lr-max / D.").defaultValue(OneCyclePolicy.DEFAULT_DIV_FACTOR).paramLabel("D")
            .defaultDoc("25").rule(v -> OneCyclePolicy.builder().optDivFactor(v)).recorded("policy.divFactor").build();
    public static final Setting<Double> PCT_START = Setting.builder("pctStart", SettingType.DOUBLE)
            .doc("Fraction of the cycle spent warming up, in [0, 1].").paramLabel("P")
            .defaultDoc("fastai, pytorch 0.3; fastai2 0.25").rule(v -> OneCyclePolicy.builder().optPctStart(v)).recorded("policy.pctStart").build();
    public static final Setting<Double> FINAL_DIV = Setting.builder("finalDiv", SettingType.DOUBLE)
            .doc("Final divisor: fastai and fastai2 end at lr-max / F, pytorch at lr-max / D / F.").paramLabel("F")
            .defaultDoc("fastai D * 1e4, fastai2 1e5, pytorch 1e4").rule(v -> OneCyclePolicy.builder().optFinalDiv(v))
            .recorded("policy.finalDiv").build();
    public static final Setting<MomentumPair> MOMS = Setting.builder("moms", SettingType.MOMENTUM_PAIR)
            .doc("Momentum at the ends and at the peak, each in [0, 1).").paramLabel("MAX,BASE")
            .defaultValue(new MomentumPair(OneCyclePolicy.DEFAULT_MAX_MOMENTUM, OneCyclePolicy.DEFAULT_BASE_MOMENTUM))
            .rule(v -> OneCyclePolicy.builder().optMomentum(v.max(), v.base())).alias("maxMomentum")
            .alias("baseMomentum").recorded("policy.maxMomentum", "policy.baseMomentum").build();
    public static final Setting<OneCycleStyle> STYLE = Setting.builder("style", SettingType.oneOf(OneCycleStyle.class,
            "fastai, fastai2, pytorch", OneCycleStyle::parse, OneCycleStyle::id))
            .doc("Reference implementation to reproduce exactly: fastai v1's OneCycleScheduler, fastai 2's "
                    + "fit_one_cycle or PyTorch's OneCycleLR.").defaultValue(OneCycleStyle.FASTAI)
            .paramLabel("fastai|fastai2|pytorch").recorded("policy.style").build();
    public static final Setting<Annealing> ANNEAL = Setting.builder("anneal", SettingType.oneOf(Annealing.class,
            "cos, linear", Annealing::parse, Annealing::id))
            .doc("Annealing within each phase.").defaultValue(Annealing.COS).paramLabel("cos|linear")
            .alias("annealing").recorded("policy.annealing").build();
    public static final Setting<Boolean> THREE_PHASE = Setting.builder("threePhase", SettingType.BOOLEAN)
            .doc("PyTorch's three_phase (pytorch style only).").defaultValue(false)
            .recorded("policy.threePhase").build();

    // ---- the cycle ----
    public static final Setting<Integer> TOT_EPOCHS = Setting.builder("totEpochs", SettingType.INT)
            .doc("Epochs in the whole cycle.").defaultValue(5).paramLabel("N")
            .rule(v -> CycleSlice.builder().optTotEpochs(v)).recorded("cycle.totEpochs").build();
    public static final Setting<Integer> START_EPOCH = Setting.builder("startEpoch", SettingType.INT)
            .doc("Epoch of the cycle to start at.").defaultValue(0).paramLabel("S")
            .rule(v -> CycleSlice.builder().optStartEpoch(v)).build();
    public static final Setting<Integer> EPOCHS = Setting.builder("epochs", SettingType.INT)
            .doc("Epochs to run now.").defaultDoc("to the end of the cycle").paramLabel("E")
            .rule(v -> CycleSlice.builder().setEpochs(v)).build();
    public static final Setting<Boolean> NEW_CYCLE = Setting.builder("newCycle", SettingType.BOOLEAN)
            .doc("With a trained model to start from: start a new cycle on its weights. Without it, a model that "
                    + "carries its 1cycle (one this project trained) must be continued where it ended, in the same "
                    + "cycle (start epoch, total epochs and policy its own), or the training is refused.")
            .defaultValue(false).build();

    // ---- the trainer ----
    public static final Setting<Integer> BATCH_SIZE = Setting.builder("batchSize", SettingType.INT)
            .doc("Minibatch size per worker.").defaultValue(32).paramLabel("B").positive()
            .alias("batchSizePerWorker").recorded("batchSizePerWorker").build();
    public static final Setting<Integer> AVERAGING_FREQUENCY = Setting.builder("averagingFrequency", SettingType.INT)
            .doc("Minibatches per worker between parameter averagings.").defaultValue(4).paramLabel("K").positive()
            .recorded("averagingFrequency").build();
    public static final Setting<AveragingPath> AVERAGING = Setting.builder("averaging", SettingType.oneOf(
            AveragingPath.class, AveragingPath.ids(", "), AveragingPath::parse, AveragingPath::id))
            .doc("Where workers' states are averaged: " + AveragingPath.describeAll() + ". Results are bitwise the "
                    + "same.").defaultValue(AveragingPath.AUTO).paramLabel(AveragingPath.ids("|")).build();
    public static final Setting<Integer> WORKERS = Setting.builder("workers", SettingType.INT)
            .doc("Workers training in parallel.").defaultDoc("Spark's default parallelism, or the checkpoint's when "
                    + "resuming").paramLabel("W").positive().recorded("workers").build();
    public static final Setting<Long> SEED = Setting.builder("seed", SettingType.LONG)
            .doc("Seeds the model, the data order and dropout.").defaultValue(42L).paramLabel("SEED").recorded("seed")
            .build();
    public static final Setting<Integer> HIDDEN = Setting.builder("hidden", SettingType.INT)
            .doc("Hidden units of the default model (an MLP: features -> hidden ReLU -> classes softmax); not with a "
                    + "given model, which brings its own.").defaultValue(256).paramLabel("UNITS").positive().build();

    /**
     * The built-in network a new model is ({@code onecycle train}'s {@code --network}); not one of {@link #all()}:
     * the estimator's {@code network} Param (a String that also takes a DL4J configuration JSON) takes these ids.
     */
    public static final Setting<BuiltInNetwork> NETWORK = Setting.builder("network",
            SettingType.oneOf(BuiltInNetwork.class, BuiltInNetwork.IDS,
                    BuiltInNetwork::parse, BuiltInNetwork::id))
            .doc("The built-in network of a new model: mlp (features -> hidden ReLU -> classes softmax) or lenet (a "
                    + "LeNet-5-shaped CNN for 28x28 images, 784 features); not with a given model, which brings its "
                    + "own.").defaultValue(BuiltInNetwork.MLP).paramLabel("mlp|lenet").build();

    // ---- checkpoints ----
    public static final Setting<String> CHECKPOINT_DIR = Setting.builder("checkpointDir", SettingType.TEXT)
            .doc("Where to write a checkpoint after each epoch; any Hadoop path.").paramLabel("DIR").nonBlank()
            .build();
    public static final Setting<Integer> KEEP_CHECKPOINTS = Setting.builder("keepCheckpoints", SettingType.INT)
            .doc("Checkpoints to keep; 0 writes none.").defaultValue(3).paramLabel("N").nonNegative().build();
    public static final Setting<Integer> CHECKPOINT_EVERY = Setting.builder("checkpointEvery", SettingType.INT)
            .doc("Also write a checkpoint every ROUNDS averaging rounds inside an epoch (0: off). On the barrier path "
                    + "at the end of the Spark job (~2 s) in which it falls due.").defaultValue(0).paramLabel("ROUNDS")
            .nonNegative().build();
    public static final Setting<java.time.Duration> CHECKPOINT_INTERVAL = Setting.builder("checkpointInterval",
            SettingType.DURATION).doc("Also write a checkpoint inside an epoch once DURATION (e.g. 30s, 10m, 1h; 0: off) "
                    + "has passed since the last one, at the next round boundary.")
            .defaultValue(java.time.Duration.ofMinutes(5)).paramLabel("DURATION").build();
    public static final Setting<Boolean> RESUME = Setting.builder("resume", SettingType.BOOLEAN)
            .doc("Continue from the newest valid checkpoint in the checkpoint folder (start at the start epoch when "
                    + "there is none).").defaultValue(false).build();
    public static final Setting<Boolean> ACCEPT_CHANGED_SETTINGS = Setting.builder("acceptChangedSettings",
            SettingType.BOOLEAN).doc("When resuming: continue even though settings differ from the checkpoint's "
                    + "(the cycle is then not exact).").defaultValue(false).build();

    // ---- the learning-rate range test (lr-find, lrMax auto; LrRange checks them together) ----
    public static final Setting<Double> START_LR = Setting.builder("startLr", SettingType.DOUBLE)
            .doc("Range test (lr-find, lrMax auto): the first learning rate, finite and > 0.")
            .defaultValue(LrRange.DEFAULT_START_LR).paramLabel("X").rule(v -> finitePositive("startLr", v)).build();
    public static final Setting<Double> END_LR = Setting.builder("endLr", SettingType.DOUBLE)
            .doc("Range test: the last learning rate, > the start one.").defaultValue(LrRange.DEFAULT_END_LR)
            .defaultDoc("10").paramLabel("X").rule(v -> finitePositive("endLr", v)).build();
    public static final Setting<Integer> NUM_IT = Setting.builder("numIt", SettingType.INT)
            .doc("Range test: iterations of the sweep, >= 2.").defaultValue(LrRange.DEFAULT_NUM_IT).paramLabel("N")
            .rule(v -> {
                if (v < 2) {
                    throw new InvalidParameterException("numIt", "must be >= 2 (the sweep needs a first and a last "
                            + "learning rate)", v);
                }
            }).build();
    public static final Setting<Boolean> NO_STOP_DIV = Setting.builder("noStopDiv", SettingType.BOOLEAN)
            .doc("Range test: run all iterations even when the loss diverges (by default it stops once the smoothed "
                    + "loss passes 4 x its best).").defaultValue(false).build();

    /** The policy's settings, in the order help texts show them. */
    public static final List<Setting<?>> POLICY = List.of(LR_MAX, DIV_FACTOR, PCT_START, FINAL_DIV, MOMS, STYLE,
            ANNEAL, THREE_PHASE);
    /** The slice of the cycle. */
    public static final List<Setting<?>> CYCLE = List.of(TOT_EPOCHS, START_EPOCH, EPOCHS, NEW_CYCLE);
    /** How the trainer trains, and the built-in network. */
    public static final List<Setting<?>> TRAINER = List.of(BATCH_SIZE, AVERAGING_FREQUENCY, AVERAGING, WORKERS, SEED,
            HIDDEN);
    public static final List<Setting<?>> CHECKPOINTS = List.of(CHECKPOINT_DIR, RESUME, KEEP_CHECKPOINTS,
            CHECKPOINT_EVERY, CHECKPOINT_INTERVAL, ACCEPT_CHANGED_SETTINGS);
    /** The learning-rate range test's sweep. */
    public static final List<Setting<?>> RANGE_TEST = List.of(START_LR, END_LR, NUM_IT, NO_STOP_DIV);

    /**
     * What a checkpoint records of the settings ({@code state.json}, each at its {@link Setting#statePaths}) and a
     * resume must find unchanged to continue the cycle exactly (besides what the data gives: itersPerEpoch, the
     * examples): every setting declared {@link Setting.Builder#recorded}, in declaration order, which is the order
     * "what differs" lists them in.
     */
    public static final List<Setting<?>> RECORDED = all().stream().filter(Setting::isRecorded).toList();

    /**
     * Of {@link #RECORDED}, those that fix an epoch's data order and its rounds (with the data): a mid-epoch
     * checkpoint continues only without a change in them, even when changed settings are accepted.
     */
    public static final List<Setting<?>> DATA_ORDER = List.of(BATCH_SIZE, AVERAGING_FREQUENCY, WORKERS, SEED);

    /** Every setting of a training (the range test's are the job's: {@link #RANGE_TEST}). */
    public static List<Setting<?>> all() {
        List<Setting<?>> all = new java.util.ArrayList<>(POLICY);
        all.addAll(CYCLE);
        all.addAll(TRAINER);
        all.addAll(CHECKPOINTS);
        return List.copyOf(all);
    }

    /** The range test's sweep these values give; refuses an end not above the start. */
    public static LrRange lrRange(SettingValues v) {
        return new LrRange(v.get(START_LR), v.get(END_LR), v.get(NUM_IT), !v.get(NO_STOP_DIV));
    }

    private static void finitePositive(String name, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new InvalidParameterException(name, "must be finite and > 0", v);
        }
    }

    /**
     * The policy these values give (pctStart and finalDiv unset: the style's defaults); the builder refuses
     * combinations (three phases with fastai).
     */
    public static OneCyclePolicy policy(SettingValues v) {
        MomentumPair moms = v.get(MOMS);
        OneCyclePolicy.Builder b = OneCyclePolicy.builder().setLrMax(v.get(LR_MAX)).optDivFactor(v.get(DIV_FACTOR))
                .optMomentum(moms.max(), moms.base()).optStyle(v.get(STYLE))
                .optAnnealing(v.get(ANNEAL)).optThreePhase(v.get(THREE_PHASE));
        if (v.get(PCT_START) != null) {
            b.optPctStart(v.get(PCT_START));
        }
        if (v.get(FINAL_DIV) != null) {
            b.optFinalDiv(v.get(FINAL_DIV));
        }
        return b.build();
    }

    /**
     * The values of the trainer's own parameters ({@code OneCycleTrainer}'s: the policy, its final divisor
     * resolved, the cycle's length and how the data is spread) over {@code into}.
     */
    public static SettingValues trained(OneCyclePolicy policy, int totEpochs, int workers, int batchSize,
            int averagingFrequency, long seed, SettingValues into) {
        return of(policy, into).with(TOT_EPOCHS, totEpochs).with(WORKERS, workers).with(BATCH_SIZE, batchSize)
                .with(AVERAGING_FREQUENCY, averagingFrequency).with(SEED, seed);
    }

    /** The values a policy stands for (its final divisor resolved). */
    public static SettingValues of(OneCyclePolicy p, SettingValues into) {
        return into.with(LR_MAX, p.lrMax()).with(DIV_FACTOR, p.divFactor()).with(PCT_START, p.pctStart())
                .with(FINAL_DIV, p.finalDiv()).with(MOMS, new MomentumPair(p.maxMomentum(), p.baseMomentum()))
                .with(STYLE, p.style()).with(ANNEAL, p.annealing()).with(THREE_PHASE, p.threePhase());
    }

    /** The epochs to run: the value given, else the rest of the cycle (at least 1, so the slice check names the real mistake). */
    public static int epochs(SettingValues v) {
        Integer e = v.get(EPOCHS);
        return e != null ? e : Math.max(1, v.get(TOT_EPOCHS) - v.get(START_EPOCH));
    }
}
