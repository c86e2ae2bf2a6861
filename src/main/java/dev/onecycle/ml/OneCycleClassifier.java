package dev.onecycle.ml;

import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleStyle;
import dev.onecycle.spark.AveragingPath;
import dev.onecycle.spark.DataSpread;
import dev.onecycle.spark.DivergenceGuard;
import dev.onecycle.spark.EpochCheckpointer;
import dev.onecycle.spark.OneCycleTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
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

    private String uid;

    // ---- the 1cycle policy ----
    private final DoubleParam lrMax = new DoubleParam(this, "lrMax", "peak learning rate",
            Rule.<Object>of("lrMax", "must be finite and > 0", v -> finite(v) && (Double) v > 0));
    private final DoubleParam divFactor = new DoubleParam(this, "divFactor", "the cycle starts at lrMax / divFactor",
            Rule.<Object>of("divFactor", "must be finite and > 0", v -> finite(v) && (Double) v > 0));
    private final DoubleParam pctStart = new DoubleParam(this, "pctStart",
            "fraction of the cycle spent warming up, in [0, 1]",
            Rule.<Object>of("pctStart", "must be in [0, 1]", v -> (Double) v >= 0 && (Double) v <= 1));
    private final DoubleParam finalDiv = new DoubleParam(this, "finalDiv", "final divisor: fastai ends at "
            + "lrMax / finalDiv (default divFactor * 1e4), pytorch at lrMax / divFactor / finalDiv (default 1e4)",
            Rule.<Object>of("finalDiv", "must be finite and > 0", v -> finite(v) && (Double) v > 0));
    private final DoubleParam maxMomentum = new DoubleParam(this, "maxMomentum",
            "momentum at the ends of the cycle, in [0, 1)",
            Rule.<Object>of("maxMomentum", "must be in [0, 1)", v -> (Double) v >= 0 && (Double) v < 1));
    private final DoubleParam baseMomentum = new DoubleParam(this, "baseMomentum",
            "momentum at the peak learning rate, in [0, 1)",
            Rule.<Object>of("baseMomentum", "must be in [0, 1)", v -> (Double) v >= 0 && (Double) v < 1));
    private final Param<String> style = new Param<>(this, "style",
            "reference implementation to reproduce exactly: fastai or pytorch",
            Rule.<String>of("style", "must be one of fastai, pytorch", v -> OneCycleStyle.parse(v) != null));
    private final Param<String> anneal = new Param<>(this, "anneal", "annealing within each phase: cos or linear",
            Rule.<String>of("anneal", "must be one of cos, linear", v -> Annealing.parse(v) != null));
    private final BooleanParam threePhase = new BooleanParam(this, "threePhase",
            "PyTorch's three_phase (pytorch style only)");

    // ---- the cycle ----
    private final IntParam totEpochs = new IntParam(this, "totEpochs", "epochs in the whole cycle (> 0)",
            Rule.<Object>of("totEpochs", "must be > 0", v -> (Integer) v > 0));
    private final IntParam startEpoch = new IntParam(this, "startEpoch", "epoch of the cycle to start at (>= 0)",
            Rule.<Object>of("startEpoch", "must be >= 0", v -> (Integer) v >= 0));
    private final IntParam epochs = new IntParam(this, "epochs",
            "epochs to train in this fit (> 0; unset: to the end of the cycle)",
            Rule.<Object>of("epochs", "must be > 0", v -> (Integer) v > 0));

    // ---- training ----
    private final IntParam batchSize = new IntParam(this, "batchSize", "minibatch size per worker (> 0)",
            Rule.<Object>of("batchSize", "must be > 0", v -> (Integer) v > 0));
    private final IntParam averagingFrequency = new IntParam(this, "averagingFrequency",
            "minibatches per worker between parameter averagings (> 0)",
            Rule.<Object>of("averagingFrequency", "must be > 0", v -> (Integer) v > 0));
    private final Param<String> averaging = new Param<>(this, "averaging", "where workers' states are averaged: "
            + "barrier, driver or auto (barrier when it can run); results are bitwise the same",
            Rule.<String>of("averaging", "must be one of auto, barrier, driver", v -> AveragingPath.parse(v) != null));
    private final IntParam workers = new IntParam(this, "workers",
            "workers training in parallel (0: Spark's default parallelism, or the checkpoint's when resuming)",
            Rule.<Object>of("workers", "must be >= 0", v -> (Integer) v >= 0));
    private final LongParam seed = new LongParam(this, "seed",
            "seeds the new network, the data order of every epoch and dropout");

    // ---- the network ----
    private final Param<String> network = new Param<>(this, "network", "the network to train: '" + MLP
            + "' (features -> hidden ReLU -> classes softmax) or a DL4J MultiLayerConfiguration or "
            + "ComputationGraphConfiguration as JSON (its updater's learning rate and momentum are replaced by the "
            + "1cycle); with initialModel unset or 'mlp'", Rule.<String>of("network", "must be 'mlp' or a DL4J configuration JSON object",
                    v -> v.equals(MLP) || v.strip().startsWith("{")));
    private final IntParam hidden = new IntParam(this, "hidden", "hidden units of the 'mlp' network (> 0); with initialModel unset or its own",
            Rule.<Object>of("hidden", "must be > 0", v -> (Integer) v > 0));
    private final Param<OneCycleClassificationModel> initialModel = new Param<>(this, "initialModel",
            "a model of an earlier part of the same cycle to continue from (its network with updater state); "
                    + "with startEpoch where that part ended");

    // ---- checkpoints ----
    private final Param<String> checkpointDir = new Param<>(this, "checkpointDir",
            "where to write a checkpoint after each epoch (any Hadoop path); unset: none",
            Rule.<String>of("checkpointDir", "must not be blank", v -> !v.isBlank()));
    private final IntParam keepCheckpoints = new IntParam(this, "keepCheckpoints",
            "checkpoints to keep in checkpointDir (> 0)",
            Rule.<Object>of("keepCheckpoints", "must be > 0", v -> (Integer) v > 0));
    private final BooleanParam resume = new BooleanParam(this, "resume",
            "continue from the newest valid checkpoint in checkpointDir (start at startEpoch when there is none)");
    private final BooleanParam acceptChangedSettings = new BooleanParam(this, "acceptChangedSettings",
            "with resume: continue even though settings differ from the checkpoint's (the cycle is then not exact)");

    public OneCycleClassifier() {
        this(PendingUid.park(null));
    }

    /** With a given uid (what MLlib's readers and {@code defaultCopy} call). */
    public OneCycleClassifier(String uid) {
        this(PendingUid.park(uid));
    }

    private OneCycleClassifier(PendingUid.Token parked) {
        super();
        uid(); // takes the parked uid if no superclass param did
        setDefault(lrMax, 0.1);
        setDefault(divFactor, OneCyclePolicy.DEFAULT_DIV_FACTOR);
        setDefault(pctStart, OneCyclePolicy.DEFAULT_PCT_START);
        setDefault(maxMomentum, OneCyclePolicy.DEFAULT_MAX_MOMENTUM);
        setDefault(baseMomentum, OneCyclePolicy.DEFAULT_BASE_MOMENTUM);
        setDefault(style, OneCycleStyle.FASTAI.id());
        setDefault(anneal, Annealing.COS.id());
        setDefault(threePhase, false);
        setDefault(totEpochs, 5);
        setDefault(startEpoch, 0);
        setDefault(batchSize, 32);
        setDefault(averagingFrequency, 4);
        setDefault(averaging, AveragingPath.AUTO.id());
        setDefault(workers, 0);
        setDefault(seed, 42L);
        setDefault(network, MLP);
        setDefault(hidden, 256);
        setDefault(keepCheckpoints, 3);
        setDefault(resume, false);
        setDefault(acceptChangedSettings, false);
    }

    @Override
    public String uid() {
        if (uid == null) {
            uid = PendingUid.take("oneCycleClassifier");
        }
        return uid;
    }

    private static boolean finite(Object v) {
        return Double.isFinite((Double) v);
    }

    // ---- Param accessors (MLlib finds params through public no-argument methods returning them) ----
    public DoubleParam lrMax() { return lrMax; }
    public DoubleParam divFactor() { return divFactor; }
    public DoubleParam pctStart() { return pctStart; }
    public DoubleParam finalDiv() { return finalDiv; }
    public DoubleParam maxMomentum() { return maxMomentum; }
    public DoubleParam baseMomentum() { return baseMomentum; }
    public Param<String> style() { return style; }
    public Param<String> anneal() { return anneal; }
    public BooleanParam threePhase() { return threePhase; }
    public IntParam totEpochs() { return totEpochs; }
    public IntParam startEpoch() { return startEpoch; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSize() { return batchSize; }
    public IntParam averagingFrequency() { return averagingFrequency; }
    public Param<String> averaging() { return averaging; }
    public IntParam workers() { return workers; }
    public LongParam seed() { return seed; }
    public Param<String> network() { return network; }
    public IntParam hidden() { return hidden; }
    public Param<OneCycleClassificationModel> initialModel() { return initialModel; }
    public Param<String> checkpointDir() { return checkpointDir; }
    public IntParam keepCheckpoints() { return keepCheckpoints; }
    public BooleanParam resume() { return resume; }
    public BooleanParam acceptChangedSettings() { return acceptChangedSettings; }

    // ---- setters ----
    public OneCycleClassifier setLrMax(double v) { return put(lrMax, v); }
    public OneCycleClassifier setDivFactor(double v) { return put(divFactor, v); }
    public OneCycleClassifier setPctStart(double v) { return put(pctStart, v); }
    public OneCycleClassifier setFinalDiv(double v) { return put(finalDiv, v); }
    public OneCycleClassifier setMaxMomentum(double v) { return put(maxMomentum, v); }
    public OneCycleClassifier setBaseMomentum(double v) { return put(baseMomentum, v); }

    /** Both momenta: {@code max} at the ends of the cycle, {@code base} at the peak learning rate. */
    public OneCycleClassifier setMomentum(double max, double base) {
        return setMaxMomentum(max).setBaseMomentum(base);
    }

    public OneCycleClassifier setStyle(String v) { return put(style, v); }
    public OneCycleClassifier setAnneal(String v) { return put(anneal, v); }
    public OneCycleClassifier setThreePhase(boolean v) { return put(threePhase, v); }
    public OneCycleClassifier setTotEpochs(int v) { return put(totEpochs, v); }
    public OneCycleClassifier setStartEpoch(int v) { return put(startEpoch, v); }
    public OneCycleClassifier setEpochs(int v) { return put(epochs, v); }
    public OneCycleClassifier setBatchSize(int v) { return put(batchSize, v); }
    public OneCycleClassifier setAveragingFrequency(int v) { return put(averagingFrequency, v); }
    public OneCycleClassifier setAveraging(String v) { return put(averaging, v); }
    public OneCycleClassifier setWorkers(int v) { return put(workers, v); }
    public OneCycleClassifier setSeed(long v) { return put(seed, v); }
    public OneCycleClassifier setNetwork(String v) { return put(network, v); }
    public OneCycleClassifier setHidden(int v) { return put(hidden, v); }
    public OneCycleClassifier setInitialModel(OneCycleClassificationModel v) { return put(initialModel, v); }
    public OneCycleClassifier setCheckpointDir(String v) { return put(checkpointDir, v); }
    public OneCycleClassifier setKeepCheckpoints(int v) { return put(keepCheckpoints, v); }
    public OneCycleClassifier setResume(boolean v) { return put(resume, v); }
    public OneCycleClassifier setAcceptChangedSettings(boolean v) { return put(acceptChangedSettings, v); }

    @SuppressWarnings("unchecked")
    private <T> OneCycleClassifier put(Param<T> p, Object v) {
        set((Param<Object>) (Param<?>) p, v);
        return this;
    }

    // ---- getters ----
    public double getLrMax() { return (Double) getOrDefault(lrMax); }
    public double getDivFactor() { return (Double) getOrDefault(divFactor); }
    public double getPctStart() { return (Double) getOrDefault(pctStart); }

    /** The final divisor: the value set, else the style's default. */
    public double getFinalDiv() { return policy().finalDiv(); }
    public double getMaxMomentum() { return (Double) getOrDefault(maxMomentum); }
    public double getBaseMomentum() { return (Double) getOrDefault(baseMomentum); }
    public String getStyle() { return getOrDefault(style); }
    public String getAnneal() { return getOrDefault(anneal); }
    public boolean getThreePhase() { return (Boolean) getOrDefault(threePhase); }
    public int getTotEpochs() { return (Integer) getOrDefault(totEpochs); }
    public int getStartEpoch() { return (Integer) getOrDefault(startEpoch); }

    /** The epochs of this fit: the value set, else to the end of the cycle. */
    public int getEpochs() { return isDefined(epochs) ? (Integer) getOrDefault(epochs) : getTotEpochs() - getStartEpoch(); }
    public int getBatchSize() { return (Integer) getOrDefault(batchSize); }
    public int getAveragingFrequency() { return (Integer) getOrDefault(averagingFrequency); }
    public String getAveraging() { return getOrDefault(averaging); }
    public int getWorkers() { return (Integer) getOrDefault(workers); }
    public long getSeed() { return (Long) getOrDefault(seed); }
    public String getNetwork() { return getOrDefault(network); }
    public int getHidden() { return (Integer) getOrDefault(hidden); }

    /** The model to continue from, or null. */
    public OneCycleClassificationModel getInitialModel() { return isDefined(initialModel) ? getOrDefault(initialModel) : null; }

    /** The checkpoint folder, or null (no checkpoints). */
    public String getCheckpointDir() { return isDefined(checkpointDir) ? getOrDefault(checkpointDir) : null; }
    public int getKeepCheckpoints() { return (Integer) getOrDefault(keepCheckpoints); }
    public boolean getResume() { return (Boolean) getOrDefault(resume); }
    public boolean getAcceptChangedSettings() { return (Boolean) getOrDefault(acceptChangedSettings); }

    /** The 1cycle policy these params give; refuses combinations the policy refuses (three phases with fastai). */
    public OneCyclePolicy policy() {
        OneCyclePolicy.Builder b = OneCyclePolicy.builder().setLrMax(getLrMax()).optDivFactor(getDivFactor())
                .optPctStart(getPctStart()).optMomentum(getMaxMomentum(), getBaseMomentum())
                .optStyle(OneCycleStyle.parse(getStyle())).optAnnealing(Annealing.parse(getAnneal()))
                .optThreePhase(getThreePhase());
        if (isDefined(finalDiv)) {
            b.optFinalDiv((Double) getOrDefault(finalDiv));
        }
        return b.build();
    }

    /** The slice of the cycle this fit trains; refuses bounds outside the cycle. */
    CycleSlice slice(int itersPerEpoch) {
        return CycleSlice.builder().optTotEpochs(getTotEpochs()).optStartEpoch(getStartEpoch()).setEpochs(getEpochs())
                .setItersPerEpoch(itersPerEpoch).build();
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
