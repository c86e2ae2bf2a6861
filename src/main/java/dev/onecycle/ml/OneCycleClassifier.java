package dev.onecycle.ml;

import dev.onecycle.dl4j.BuiltInNetwork;
import dev.onecycle.lrfind.LrRange;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.MomentumPair;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import dev.onecycle.spark.OneCycleTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML estimator that trains a DL4J network over (a slice of) one exact 1cycle with
 * {@link OneCycleTrainer}, the trainer of {@code onecycle train}: the same counting, the schedule set on the
 * executors from the absolute cycle iteration, bitwise reproducible on CPU, checkpoints after each epoch. Input:
 * {@code featuresCol} an ML Vector (dense or sparse) or an array of numbers, {@code labelCol} class indices
 * {@code 0 .. numClasses-1} (the label's ML metadata, as StringIndexer writes it, else the largest label + 1).
 *
 * <pre>{@code
 * OneCycleClassifier oc = new OneCycleClassifier().setLrMax(0.05).setTotEpochs(20).setEpochs(8);
 * OneCycleClassificationModel m8 = oc.fit(train);                         // epochs 0..7 of 20
 * OneCycleClassificationModel m20 = oc.copy(ParamMap.empty()).setStartEpoch(8).setEpochs(12)
 *     .setInitialModel(m8).fit(train);                                    // epochs 8..19: the same cycle
 * }</pre>
 *
 * <p>Params are set with {@code setX} and read with {@code getX}; every value is validated when set, and an
 * invalid one is refused naming the param, the rule and the value. Persisted with {@link #write()} /
 * {@link #load}, alone or inside a Pipeline.
 */
public final class OneCycleClassifier
        extends ProbabilisticClassifier<Vector, OneCycleClassifier, OneCycleClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** The built-in network: features -> hidden (ReLU) -> classes (softmax), Nesterov momentum. */
    public static final String MLP = "mlp";
    /** The built-in CNN: LeNet-5-shaped, for 28x28 single-channel images as 784 features (dl4j.FashionLeNet). */
    public static final String LENET = BuiltInNetwork.LENET.id();

    private String uid;

    /** The declared settings that are this estimator's Params (every library setting). */
    static final List<Setting<?>> SETTINGS = Settings.all();
    /** The Params made from {@link #SETTINGS}, by name. */
    private final Map<String, Param<?>> settingParams = new LinkedHashMap<>();

    // ---- the network ----
    private final Param<String> network = new Param<>(this, "network", "the network to train: '" + MLP
            + "' (features -> hidden ReLU -> classes softmax), '" + LENET + "' (a LeNet-5-shaped CNN for 28x28 images "
            + "as 784 features) or a DL4J MultiLayerConfiguration or "
            + "ComputationGraphConfiguration as JSON (its updater's learning rate and momentum are replaced by the "
            + "1cycle); with initialModel unset or 'mlp'", Rule.<String>checked("network", NetworkSpecs::check));
    private final Param<OneCycleClassificationModel> initialModel = new Param<>(this, "initialModel",
            "a model of an earlier part of the same cycle to continue from (its network with updater state); "
                    + "with startEpoch where that part ended, and its totEpochs and policy (a model that carries its "
                    + "cycle is refused otherwise), or newCycle to train its weights in a new cycle");

    public OneCycleClassifier() {
        this(PendingUid.park(null));
    }

    /** With a given uid (what MLlib's readers and {@code defaultCopy} call). */
    public OneCycleClassifier(String uid) {
        this(PendingUid.park(uid));
    }

    @SuppressWarnings("unchecked")
    private OneCycleClassifier(PendingUid.Token parked) {
        super();
        uid(); // takes the parked uid if no superclass param did
        for (Setting<?> s : SETTINGS) {
            Param<Object> p = (Param<Object>) SettingParams.create(this, s);
            settingParams.put(s.name(), p);
            if (s.defaultValue() != null) {
                setDefault(p, SettingParams.toParam(s, s.defaultValue()));
            }
        }
        setDefault(network, MLP);
    }

    @Override
    public String uid() {
        if (uid == null) {
            uid = PendingUid.take("oneCycleClassifier");
        }
        return uid;
    }

    /**
     * MLlib's Params (found on public methods returning them) and the Params of the declared settings: a setting
     * declared in {@link Settings} is a Param here without further code ({@code set(getParam("name"), value)}).
     */
    @Override
    public Param<?>[] params() {
        java.util.TreeMap<String, Param<?>> all = new java.util.TreeMap<>();
        for (Param<?> p : super.params()) {
            all.put(p.name(), p);
        }
        all.putAll(settingParams);
        return all.values().toArray(new Param<?>[0]);
    }

    /** The Param of a declared setting. */
    public Param<?> param(Setting<?> setting) {
        Param<?> p = settingParams.get(setting.name());
        if (p == null) {
            throw new IllegalArgumentException(setting.name() + " is not a param of " + getClass().getSimpleName());
        }
        return p;
    }

    /** Sets a declared setting's Param (validated). */
    @SuppressWarnings("unchecked")
    public <T> OneCycleClassifier set(Setting<T> setting, T value) {
        set((Param<Object>) param(setting), SettingParams.toParam(setting, value));
        return this;
    }

    /** A declared setting's value: the one set, else its default, else null. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        Param<Object> p = (Param<Object>) param(setting);
        return isDefined(p) ? (T) SettingParams.fromParam(setting, getOrDefault(p)) : null;
    }

    /** The values set (not the defaults) of the declared settings. */
    public SettingValues settingValues() {
        SettingValues v = SettingValues.empty();
        for (Setting<?> s : SETTINGS) {
            v = given(v, s);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private <T> SettingValues given(SettingValues v, Setting<T> s) {
        Param<Object> p = (Param<Object>) param(s);
        return isSet(p) ? v.with(s, (T) SettingParams.fromParam(s, getOrDefault(p))) : v;
    }

    // ---- typed accessors of the declared settings' Params (MLlib style: lrMax(), setLrMax, getLrMax) ----
    public DoubleParam lrMax() { return (DoubleParam) param(Settings.LR_MAX); }
    public DoubleParam divFactor() { return (DoubleParam) param(Settings.DIV_FACTOR); }
    public DoubleParam pctStart() { return (DoubleParam) param(Settings.PCT_START); }
    public DoubleParam finalDiv() { return (DoubleParam) param(Settings.FINAL_DIV); }
    public IntParam totEpochs() { return (IntParam) param(Settings.TOT_EPOCHS); }
    public IntParam startEpoch() { return (IntParam) param(Settings.START_EPOCH); }
    public IntParam epochs() { return (IntParam) param(Settings.EPOCHS); }
    public BooleanParam newCycle() {
        return (BooleanParam) param(Settings.NEW_CYCLE);
    }
    public IntParam batchSize() { return (IntParam) param(Settings.BATCH_SIZE); }
    public IntParam averagingFrequency() { return (IntParam) param(Settings.AVERAGING_FREQUENCY); }
    public IntParam workers() { return (IntParam) param(Settings.WORKERS); }
    public LongParam seed() { return (LongParam) param(Settings.SEED); }
    public IntParam hidden() { return (IntParam) param(Settings.HIDDEN); }
    public Param<String> network() { return network; }
    public Param<OneCycleClassificationModel> initialModel() { return initialModel; }

    public OneCycleClassifier setLrMax(double v) { return set(Settings.LR_MAX, v); }
    public OneCycleClassifier setDivFactor(double v) { return set(Settings.DIV_FACTOR, v); }
    public OneCycleClassifier setPctStart(double v) { return set(Settings.PCT_START, v); }
    public OneCycleClassifier setFinalDiv(double v) { return set(Settings.FINAL_DIV, v); }

    /** Both momenta: {@code max} at the ends of the cycle, {@code base} at the peak learning rate. */
    public OneCycleClassifier setMomentum(double max, double base) { return set(Settings.MOMS, new MomentumPair(max, base)); }
    public OneCycleClassifier setStyle(String v) { return put(param(Settings.STYLE), v); }
    public OneCycleClassifier setAnneal(String v) { return put(param(Settings.ANNEAL), v); }
    public OneCycleClassifier setThreePhase(boolean v) { return set(Settings.THREE_PHASE, v); }
    public OneCycleClassifier setTotEpochs(int v) { return set(Settings.TOT_EPOCHS, v); }
    public OneCycleClassifier setStartEpoch(int v) { return set(Settings.START_EPOCH, v); }
    public OneCycleClassifier setEpochs(int v) { return set(Settings.EPOCHS, v); }

    /**
     * True: train {@code initialModel}'s weights in a new cycle (this fit's startEpoch, totEpochs and policy).
     * False (the default): a model that carries its 1cycle is continued in that cycle, from the epoch where it
     * ended, or the fit is refused.
     */
    public OneCycleClassifier setNewCycle(boolean v) { return set(Settings.NEW_CYCLE, v); }
    public OneCycleClassifier setBatchSize(int v) { return set(Settings.BATCH_SIZE, v); }
    public OneCycleClassifier setAveragingFrequency(int v) { return set(Settings.AVERAGING_FREQUENCY, v); }
    public OneCycleClassifier setAveraging(String v) { return put(param(Settings.AVERAGING), v); }
    public OneCycleClassifier setWorkers(int v) { return set(Settings.WORKERS, v); }
    public OneCycleClassifier setSeed(long v) { return set(Settings.SEED, v); }
    public OneCycleClassifier setHidden(int v) { return set(Settings.HIDDEN, v); }
    public OneCycleClassifier setCheckpointDir(String v) { return set(Settings.CHECKPOINT_DIR, v); }
    public OneCycleClassifier setKeepCheckpoints(int v) { return set(Settings.KEEP_CHECKPOINTS, v); }
    public OneCycleClassifier setCheckpointEvery(int v) { return set(Settings.CHECKPOINT_EVERY, v); }

    /** A duration such as {@code 30s}, {@code 10m}, {@code 1h}; {@code 0}: no checkpoints by time. */
    public OneCycleClassifier setCheckpointInterval(String v) { return put(param(Settings.CHECKPOINT_INTERVAL), v); }
    public OneCycleClassifier setResume(boolean v) { return set(Settings.RESUME, v); }
    public OneCycleClassifier setAcceptChangedSettings(boolean v) { return set(Settings.ACCEPT_CHANGED_SETTINGS, v); }
    public OneCycleClassifier setNetwork(String v) { return put(network, v); }
    public OneCycleClassifier setInitialModel(OneCycleClassificationModel v) { return put(initialModel, v); }

    @SuppressWarnings("unchecked")
    private OneCycleClassifier put(Param<?> p, Object v) {
        set((Param<Object>) p, v);
        return this;
    }

    public double getLrMax() { return get(Settings.LR_MAX); }
    public double getDivFactor() { return get(Settings.DIV_FACTOR); }

    /** The warm-up fraction: the value set, else the style's default. */
    public double getPctStart() { return policy().pctStart(); }

    /** The final divisor: the value set, else the style's default. */
    public double getFinalDiv() { return policy().finalDiv(); }
    public MomentumPair getMomentum() { return get(Settings.MOMS); }
    public String getStyle() { return get(Settings.STYLE).id(); }
    public String getAnneal() { return get(Settings.ANNEAL).id(); }
    public boolean getThreePhase() { return get(Settings.THREE_PHASE); }
    public int getTotEpochs() { return get(Settings.TOT_EPOCHS); }
    public int getStartEpoch() { return get(Settings.START_EPOCH); }
    public boolean getNewCycle() { return get(Settings.NEW_CYCLE); }

    /** The epochs of this fit: the value set, else to the end of the cycle. */
    public int getEpochs() { return isDefined(epochs()) ? get(Settings.EPOCHS) : getTotEpochs() - getStartEpoch(); }
    public int getBatchSize() { return get(Settings.BATCH_SIZE); }
    public int getAveragingFrequency() { return get(Settings.AVERAGING_FREQUENCY); }
    public String getAveraging() { return get(Settings.AVERAGING).id(); }

    /** The workers set, or 0: Spark's default parallelism (or the checkpoint's when resuming). */
    public int getWorkers() { return isDefined(workers()) ? get(Settings.WORKERS) : 0; }
    public long getSeed() { return get(Settings.SEED); }
    public String getNetwork() { return getOrDefault(network); }
    public int getHidden() { return get(Settings.HIDDEN); }

    /** The model to continue from, or null. */
    public OneCycleClassificationModel getInitialModel() { return isDefined(initialModel) ? getOrDefault(initialModel) : null; }

    /** The checkpoint folder, or null (no checkpoints). */
    public String getCheckpointDir() { return get(Settings.CHECKPOINT_DIR); }
    public int getKeepCheckpoints() { return get(Settings.KEEP_CHECKPOINTS); }
    public int getCheckpointEvery() { return get(Settings.CHECKPOINT_EVERY); }
    public String getCheckpointInterval() { return Settings.CHECKPOINT_INTERVAL.format(get(Settings.CHECKPOINT_INTERVAL)); }
    public boolean getResume() { return get(Settings.RESUME); }
    public boolean getAcceptChangedSettings() { return get(Settings.ACCEPT_CHANGED_SETTINGS); }

    /** The 1cycle policy these params give; refuses combinations the policy refuses (three phases with fastai). */
    public OneCyclePolicy policy() {
        return Settings.policy(settingValues());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        FrameExamples.checkFeaturesColumn(schema, getFeaturesCol());
        FrameExamples.checkLabelColumn(schema, getLabelCol());
        return super.transformSchema(FrameExamples.withVectorFeatures(schema, getFeaturesCol()));
    }

    @Override
    public OneCycleClassificationModel train(Dataset<?> dataset) {
        return new ClassifierFit(this).run(dataset);
    }

    /**
     * fastai's learning-rate range test ({@code onecycle lr-find}) on {@code dataset}, with this estimator's
     * network, workers, batch per worker, averaging frequency and seed: the sweep {@code range}, the curve and
     * the suggestions; {@code result.auto()} is what {@code onecycle train --lr-max auto} takes
     * ({@code setLrMax(result.auto().get().lr())}). Fits nothing: it trains a copy of the network and drops it.
     */
    public RangeTestResult findLr(Dataset<?> dataset, LrRange range) {
        return new ClassifierFit(this).findLr(dataset, range);
    }

    /** {@link #findLr(Dataset, LrRange)} with fastai's sweep: 1e-7 to 10 over 100 iterations. */
    public RangeTestResult findLr(Dataset<?> dataset) {
        return findLr(dataset, LrRange.defaults());
    }

    @Override
    public OneCycleClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<OneCycleClassifier> read() {
        return new Reader();
    }

    public static OneCycleClassifier load(String path) {
        return read().load(path);
    }

    /** Params as MLlib metadata; the initial model (an object) beside them in {@code initialModel/}. */
    private static final class Writer extends MLWriter {
        private final OneCycleClassifier stage;

        Writer(OneCycleClassifier stage) {
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            StageMetadata.save(stage, path, sc(), Map.of(), Set.of("initialModel"));
            OneCycleClassificationModel initial = stage.getInitialModel();
            if (initial != null) {
                try {
                    initial.write().session(sparkSession()).save(path + "/initialModel");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static final class Reader extends MLReader<OneCycleClassifier> {
        @Override
        public OneCycleClassifier load(String path) {
            com.fasterxml.jackson.databind.JsonNode m = StageMetadata.load(path, sc(), OneCycleClassifier.class);
            OneCycleClassifier stage = new OneCycleClassifier(m.path("uid").asText());
            StageMetadata.apply(m, stage, (p, v, isDefault) -> {
                if (isDefault) {
                    stage.setDefault(p, v);
                } else {
                    stage.set(p, v);
                }
            });
            try {
                if (StageMetadata.exists(path, "initialModel", sc())) {
                    stage.setInitialModel(OneCycleClassificationModel.read().session(sparkSession())
                            .load(path + "/initialModel"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return stage;
        }
    }
}
