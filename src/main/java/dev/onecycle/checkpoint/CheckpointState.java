package dev.onecycle.checkpoint;

import static dev.onecycle.settings.RecordedSettings.field;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.RecordedSettings;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingType;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything besides the model that a job needs to continue a cycle exactly (a checkpoint's
 * {@code state.json}): the settings that fix the cycle and the data order ({@link Settings#RECORDED}: the
 * policy, the cycle's length, the workers, minibatches, averaging and seed), where the run stands in the cycle,
 * and what the data gave.
 *
 * <p>{@code state.json} holds each recorded setting at its declared {@link Setting#statePaths} (written and read by
 * {@link RecordedSettings}), so a setting declared {@code recorded} is checkpointed and compared on resume without
 * an edit here; the position fields are this class's own. Format 1 and 2 files have the same layout.
 *
 * @param settings       the recorded settings' values (only those are kept; each must have one), the policy's
 *                       final divisor resolved
 * @param epoch          epochs of the cycle completed; the resumed run starts at this epoch
 * @param iteration      cycle iterations completed ({@code epoch * itersPerEpoch})
 * @param endEpoch       the exclusive last epoch of the slice the job was asked to run
 * @param examples       training examples counted when the cycle started
 * @param paramsSha256   {@code Network.paramsSha256()} of the saved model
 * @param midEpoch       null at an epoch's end; inside epoch {@code epoch}, how far it got (then {@code iteration}
 *                       counts that epoch's steps too)
 */
public record CheckpointState(int formatVersion, int epoch, long iteration, SettingValues settings, int endEpoch,
        int itersPerEpoch, long examples, String paramsSha256, String createdAt, MidEpoch midEpoch) {

    /** The newest checkpoint format this release reads and writes (2: mid-epoch checkpoints); 1 is read too. */
    public static final int FORMAT_VERSION = 2;
    /**
     * The format of an epoch-end checkpoint: still 1 (format 2 only adds {@code midEpoch}), so an older release
     * resumes from them; a mid-epoch checkpoint is format 2 (and its folder name is one an older release ignores).
     */
    public static final int EPOCH_END_FORMAT = 1;

    public CheckpointState {
        settings = Objects.requireNonNull(settings, "settings").only(Settings.RECORDED);
        for (Setting<?> s : Settings.RECORDED) {
            if (settings.get(s) == null) {
                throw new IllegalArgumentException("a checkpoint state needs a value for " + s.name());
            }
        }
    }

    /** An epoch-end checkpoint's state, from the trainer's parameters ({@link Settings#trained}). */
    public CheckpointState(int formatVersion, int epoch, long iteration, OneCyclePolicy policy, int totEpochs,
            int endEpoch, int itersPerEpoch, long seed, int workers, int batchSizePerWorker, int averagingFrequency,
            long examples, String paramsSha256, String createdAt) {
        this(formatVersion, epoch, iteration, policy, totEpochs, endEpoch, itersPerEpoch, seed, workers,
                batchSizePerWorker, averagingFrequency, examples, paramsSha256, createdAt, null);
    }

    /** A checkpoint's state, from the trainer's parameters ({@link Settings#trained}). */
    public CheckpointState(int formatVersion, int epoch, long iteration, OneCyclePolicy policy, int totEpochs,
            int endEpoch, int itersPerEpoch, long seed, int workers, int batchSizePerWorker, int averagingFrequency,
            long examples, String paramsSha256, String createdAt, MidEpoch midEpoch) {
        this(formatVersion, epoch, iteration, Settings.trained(policy, totEpochs, workers, batchSizePerWorker,
                averagingFrequency, seed, SettingValues.empty()), endEpoch, itersPerEpoch, examples, paramsSha256,
                createdAt, midEpoch);
    }

    /**
     * Where a checkpoint taken inside epoch {@code epoch} stands: {@code round} averaging rounds of it done (0 <
     * round < rounds per epoch), and what the epoch's metrics row needs from them: the sum of the training loss
     * over their {@code minibatches} (added round by round, as the trainer adds it) and the wall seconds spent.
     * The data order of the epoch is not stored: it is a function of the seed and the epoch.
     */
    public record MidEpoch(int round, double lossSum, long minibatches, double seconds) {
    }

    public OneCyclePolicy policy() {
        return Settings.policy(settings);
    }

    public int totEpochs() {
        return settings.get(Settings.TOT_EPOCHS);
    }

    public long seed() {
        return settings.get(Settings.SEED);
    }

    public int workers() {
        return settings.get(Settings.WORKERS);
    }

    public int batchSizePerWorker() {
        return settings.get(Settings.BATCH_SIZE);
    }

    public int averagingFrequency() {
        return settings.get(Settings.AVERAGING_FREQUENCY);
    }

    /** The round of epoch {@code epoch} this checkpoint continues at: 0 at an epoch's end. */
    public int round() {
        return midEpoch == null ? 0 : midEpoch.round();
    }

    /** {@code iteration} of a checkpoint at {@code round} rounds into epoch {@code epoch}. */
    public static long iterationAt(int epoch, int round, int itersPerEpoch, int averagingFrequency) {
        return (long) epoch * itersPerEpoch + Math.min((long) itersPerEpoch, (long) round * averagingFrequency);
    }

    /** The rest of the slice from this checkpoint: epochs {@code [epoch, endEpoch)} of the cycle. */
    public CycleSlice remainingSlice() {
        return CycleSlice.builder().optTotEpochs(totEpochs()).optStartEpoch(epoch).setEpochs(endEpoch - epoch)
                .setItersPerEpoch(itersPerEpoch).build();
    }

    /** True when the slice the job was asked to run is complete. */
    public boolean sliceComplete() {
        return epoch >= endEpoch;
    }

    /**
     * The settings of a new run ({@code now}: its recorded settings resolved as the trainer would record them,
     * {@link Settings#trained}) and its data that differ from this checkpoint's, one readable entry each
     * ({@code "lrMax: checkpoint 0.1, now 0.2"}): every setting of {@link Settings#RECORDED}, then what the data
     * gives (itersPerEpoch, examples); empty when the run may continue the cycle exactly.
     */
    public List<String> differencesFrom(SettingValues now, int nowItersPerEpoch, long nowExamples) {
        return differences(Settings.RECORDED, now, nowItersPerEpoch, nowExamples);
    }

    /**
     * Of {@link #differencesFrom}, those that change an epoch's data order or its rounds ({@link
     * Settings#DATA_ORDER} and the data): a mid-epoch checkpoint can only continue without them, even when changed
     * settings are accepted.
     */
    public List<String> dataOrderDifferencesFrom(SettingValues now, int nowItersPerEpoch, long nowExamples) {
        return differences(Settings.DATA_ORDER, now, nowItersPerEpoch, nowExamples);
    }

    /** {@link #differencesFrom(SettingValues, int, long)} with another state's settings and data. */
    public List<String> differencesFrom(CheckpointState now) {
        return differencesFrom(now.settings, now.itersPerEpoch, now.examples);
    }

    private List<String> differences(List<Setting<?>> compared, SettingValues now, int nowItersPerEpoch,
            long nowExamples) {
        List<String> out = new ArrayList<>();
        for (Setting<?> s : settings.differing(now, compared)) {
            out.add(s.name() + ": checkpoint " + settings.text(s) + ", now " + now.text(s));
        }
        if (itersPerEpoch != nowItersPerEpoch) {
            out.add("itersPerEpoch: checkpoint " + itersPerEpoch + ", now " + nowItersPerEpoch);
        }
        if (examples != nowExamples) {
            out.add("examples: checkpoint " + examples + ", now " + nowExamples);
        }
        return out;
    }

    /**
     * Refuses a state that is not what a job could have written into the folder {@code folderName}
     * ({@code epoch-NNNN}): everything a resume relies on must agree with everything else, so a checkpoint whose
     * manifest verifies but whose state was edited or mixed up is skipped like a corrupt one. Each problem names
     * the field and the values.
     */
    public void checkConsistent(String folderName, String where) throws CorruptCheckpointException {
        List<String> problems = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("epoch-(\\d{4,})(?:-round-(\\d{4,}))?")
                .matcher(folderName);
        if (m.matches() && Long.parseLong(m.group(1)) != epoch) {
            problems.add("state.json says epoch " + epoch + " but the folder is " + folderName);
        }
        if (m.matches() && (m.group(2) == null ? 0 : Long.parseLong(m.group(2))) != round()) {
            problems.add("state.json says round " + round() + " but the folder is " + folderName);
        }
        if (midEpoch != null) {
            int rounds = itersPerEpoch <= 0 ? 0 : (itersPerEpoch + averagingFrequency() - 1) / averagingFrequency();
            if (formatVersion < 2) {
                problems.add("midEpoch needs format 2, the file says format " + formatVersion);
            }
            if (midEpoch.round() <= 0 || midEpoch.round() >= rounds) {
                problems.add("midEpoch round " + midEpoch.round() + " is not inside the epoch's " + rounds
                        + " rounds (1.." + (rounds - 1) + ")");
            }
            if (epoch >= endEpoch) {
                problems.add("midEpoch in epoch " + epoch + ", which is not before endEpoch " + endEpoch);
            }
            if (midEpoch.minibatches() < 0 || !(midEpoch.seconds() >= 0) || !Double.isFinite(midEpoch.lossSum())) {
                problems.add("midEpoch minibatches " + midEpoch.minibatches() + ", seconds " + midEpoch.seconds()
                        + " and lossSum " + midEpoch.lossSum() + " must be >= 0, >= 0 and finite");
            }
        }
        // the recorded settings passed their rules when read (workers > 0, totEpochs > 0, ...)
        if (epoch < 0 || epoch > totEpochs()) {
            problems.add("epoch " + epoch + " is outside the " + totEpochs() + "-epoch cycle (0.." + totEpochs() + ")");
        }
        if (endEpoch < epoch || endEpoch > totEpochs()) {
            problems.add("endEpoch " + endEpoch + " is not between epoch " + epoch + " and totEpochs " + totEpochs());
        }
        if (itersPerEpoch <= 0) {
            problems.add("itersPerEpoch " + itersPerEpoch + " is not > 0");
        } else if (examples < workers()) {
            problems.add("examples " + examples + " is fewer than workers " + workers());
        } else {
            long perWorker = (examples + workers() - 1) / workers();
            long ipe = (perWorker + batchSizePerWorker() - 1) / batchSizePerWorker();
            if (ipe != itersPerEpoch) {
                problems.add("itersPerEpoch " + itersPerEpoch + " is not what " + examples + " examples over " + workers()
                        + " workers in batches of " + batchSizePerWorker() + " give (" + ipe + ")");
            }
        }
        if (itersPerEpoch > 0 && midEpoch == null && iteration != (long) epoch * itersPerEpoch) {
            problems.add("iteration " + iteration + " is not epoch " + epoch + " x itersPerEpoch " + itersPerEpoch
                    + " = " + (long) epoch * itersPerEpoch);
        }
        if (itersPerEpoch > 0 && midEpoch != null
                && iteration != iterationAt(epoch, midEpoch.round(), itersPerEpoch, averagingFrequency())) {
            problems.add("iteration " + iteration + " is not epoch " + epoch + " x itersPerEpoch " + itersPerEpoch
                    + " + round " + midEpoch.round() + " x averagingFrequency " + averagingFrequency() + " = "
                    + iterationAt(epoch, midEpoch.round(), itersPerEpoch, averagingFrequency()));
        }
        if (paramsSha256 == null || !paramsSha256.matches("[0-9a-f]{64}")) {
            problems.add("paramsSha256 is missing or not a SHA-256");
        }
        if (problems.isEmpty()) {
            try {
                policy().schedule(CycleSlice.builder().optTotEpochs(totEpochs()).optStartEpoch(0).setEpochs(totEpochs())
                        .setItersPerEpoch(itersPerEpoch).build());
            } catch (RuntimeException e) {
                problems.add("the policy does not fit the cycle (" + e.getMessage() + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new CorruptCheckpointException(where + ": inconsistent state.json (" + String.join("; ", problems)
                    + ")");
        }
    }

    /** A policy as the JSON object {@code state.json} and {@code onecycle inspect} show. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> policyJson(OneCyclePolicy policy) {
        Map<String, Object> json = new LinkedHashMap<>();
        RecordedSettings.write(Settings.of(policy, SettingValues.empty()), Settings.POLICY, json);
        return (Map<String, Object>) json.get("policy");
    }

    /** The JSON form written to {@code state.json}: the position, the recorded settings, the data and the model. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("formatVersion", formatVersion);
        m.put("epoch", epoch);
        m.put("iteration", iteration);
        RecordedSettings.write(settings, Settings.RECORDED, m);
        Map<String, Object> cycle = (Map<String, Object>) m.computeIfAbsent("cycle", k -> new LinkedHashMap<>());
        cycle.put("endEpoch", endEpoch);
        cycle.put("itersPerEpoch", itersPerEpoch);
        m.put("examples", examples);
        m.put("paramsSha256", paramsSha256);
        m.put("createdAt", createdAt);
        if (midEpoch != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("round", midEpoch.round());
            e.put("lossSum", midEpoch.lossSum());
            e.put("minibatches", midEpoch.minibatches());
            e.put("seconds", midEpoch.seconds());
            m.put("midEpoch", e);
        }
        return m;
    }

    /**
     * Reads {@code state.json}; refuses a format newer than this release, anything incomplete, a value of the
     * wrong type and a recorded setting its rule refuses, naming the field.
     */
    @SuppressWarnings("unchecked")
    static CheckpointState fromJson(Map<String, Object> m, String name) throws CorruptCheckpointException {
        try {
            int version = field(m, "formatVersion", SettingType.INT);
            if (version > FORMAT_VERSION) {
                throw new CorruptCheckpointException(name + " has checkpoint format " + version
                        + ", newer than this release reads (" + FORMAT_VERSION + "); use a newer onecycle-spark");
            }
            if (version < 1) {
                throw new CorruptCheckpointException(name + " has unknown checkpoint format " + version);
            }
            Object e = m.get("midEpoch");
            MidEpoch midEpoch = null;
            if (e != null) {
                if (!(e instanceof Map)) {
                    throw new IllegalArgumentException("midEpoch is not an object");
                }
                Map<String, Object> me = (Map<String, Object>) e;
                midEpoch = new MidEpoch(field(me, "round", SettingType.INT), field(me, "lossSum", SettingType.DOUBLE),
                        field(me, "minibatches", SettingType.LONG), field(me, "seconds", SettingType.DOUBLE));
            }
            Object created = m.get("createdAt");
            Object sha = m.get("paramsSha256");
            return new CheckpointState(version, field(m, "epoch", SettingType.INT),
                    field(m, "iteration", SettingType.LONG), RecordedSettings.read(m, Settings.RECORDED),
                    field(m, "cycle.endEpoch", SettingType.INT), field(m, "cycle.itersPerEpoch", SettingType.INT),
                    field(m, "examples", SettingType.LONG), sha instanceof String ? (String) sha : null,
                    created instanceof String ? (String) created : null, midEpoch);
        } catch (IllegalArgumentException e) {
            throw new CorruptCheckpointException(name + ": state.json is incomplete or malformed (" + e.getMessage()
                    + ")");
        }
    }
}
