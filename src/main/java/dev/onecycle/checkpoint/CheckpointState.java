package dev.onecycle.checkpoint;

import dev.onecycle.schedule.Annealing;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleStyle;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything besides the model that a job needs to continue a cycle exactly (a checkpoint's
 * {@code state.json}): the policy and the cycle, where the run stands in it, and the settings that fix the
 * data order and the averaging.
 *
 * @param epoch          epochs of the cycle completed; the resumed run starts at this epoch
 * @param iteration      cycle iterations completed ({@code epoch * itersPerEpoch})
 * @param endEpoch       the exclusive last epoch of the slice the job was asked to run
 * @param examples       training examples counted when the cycle started
 * @param paramsSha256   {@code Network.paramsSha256()} of the saved model
 * @param midEpoch       null at an epoch's end; inside epoch {@code epoch}, how far it got (then {@code iteration}
 *                       counts that epoch's steps too)
 */
public record CheckpointState(int formatVersion, int epoch, long iteration, OneCyclePolicy policy, int totEpochs,
        int endEpoch, int itersPerEpoch, long seed, int workers, int batchSizePerWorker, int averagingFrequency,
        long examples, String paramsSha256, String createdAt, MidEpoch midEpoch) {

    /** The newest checkpoint format this release reads and writes (2: mid-epoch checkpoints); 1 is read too. */
    public static final int FORMAT_VERSION = 2;
    /**
     * The format of an epoch-end checkpoint: still 1 (format 2 only adds {@code midEpoch}), so an older release
     * resumes from them; a mid-epoch checkpoint is format 2 (and its folder name is one an older release ignores).
     */
    public static final int EPOCH_END_FORMAT = 1;

    public CheckpointState {
        Objects.requireNonNull(policy, "policy");
    }

    /** An epoch-end checkpoint's state (format 1 fields only). */
    public CheckpointState(int formatVersion, int epoch, long iteration, OneCyclePolicy policy, int totEpochs,
            int endEpoch, int itersPerEpoch, long seed, int workers, int batchSizePerWorker, int averagingFrequency,
            long examples, String paramsSha256, String createdAt) {
        this(formatVersion, epoch, iteration, policy, totEpochs, endEpoch, itersPerEpoch, seed, workers,
                batchSizePerWorker, averagingFrequency, examples, paramsSha256, createdAt, null);
    }

    /**
     * Where a checkpoint taken inside epoch {@code epoch} stands: {@code round} averaging rounds of it done (0 <
     * round < rounds per epoch), and what the epoch's metrics row needs from them: the sum of the training loss
     * over their {@code minibatches} (added round by round, as the trainer adds it) and the wall seconds spent.
     * The data order of the epoch is not stored: it is a function of the seed and the epoch.
     */
    public record MidEpoch(int round, double lossSum, long minibatches, double seconds) {
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
        return CycleSlice.builder().optTotEpochs(totEpochs).optStartEpoch(epoch).setEpochs(endEpoch - epoch)
                .setItersPerEpoch(itersPerEpoch).build();
    }

    /** True when the slice the job was asked to run is complete. */
    public boolean sliceComplete() {
        return epoch >= endEpoch;
    }

    /** The declared settings this state records ({@link Settings#CHECKED_ON_RESUME}), the policy's resolved. */
    public SettingValues settings() {
        return Settings.of(policy, SettingValues.empty()).with(Settings.TOT_EPOCHS, totEpochs)
                .with(Settings.WORKERS, workers).with(Settings.BATCH_SIZE, batchSizePerWorker)
                .with(Settings.AVERAGING_FREQUENCY, averagingFrequency).with(Settings.SEED, seed);
    }

    /**
     * The settings of a new run that differ from this checkpoint's, one readable entry each
     * ({@code "lrMax: checkpoint 0.1, now 0.2"}): every setting of {@link Settings#CHECKED_ON_RESUME}, then what
     * the data gives (itersPerEpoch, examples); empty when the run may continue the cycle exactly.
     */
    public List<String> differencesFrom(CheckpointState now) {
        List<String> out = new ArrayList<>();
        SettingValues a = settings();
        SettingValues b = now.settings();
        for (Setting<?> s : Settings.CHECKED_ON_RESUME) {
            String was = text(s, a);
            String is = text(s, b);
            if (!was.equals(is)) {
                out.add(s.name() + ": checkpoint " + was + ", now " + is);
            }
        }
        Map<String, Object[]> data = new LinkedHashMap<>();
        data.put("itersPerEpoch", new Object[] {itersPerEpoch, now.itersPerEpoch});
        data.put("examples", new Object[] {examples, now.examples});
        for (Map.Entry<String, Object[]> e : data.entrySet()) {
            if (!e.getValue()[0].equals(e.getValue()[1])) {
                out.add(e.getKey() + ": checkpoint " + e.getValue()[0] + ", now " + e.getValue()[1]);
            }
        }
        return out;
    }

    /**
     * Of {@link #differencesFrom}, those that change an epoch's data order or its rounds (the data, the workers,
     * the minibatches, the averaging, the seed): a mid-epoch checkpoint can only continue without them, even when
     * changed settings are accepted.
     */
    public List<String> dataOrderDifferencesFrom(CheckpointState now) {
        return differencesFrom(now).stream().filter(d -> d.matches(
                "(itersPerEpoch|examples|workers|batchSize|averagingFrequency|seed): .*")).toList();
    }

    private static <T> String text(Setting<T> s, SettingValues v) {
        T value = v.get(s);
        return value == null ? "unset" : s.format(value);
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
            int rounds = itersPerEpoch <= 0 || averagingFrequency <= 0 ? 0
                    : (itersPerEpoch + averagingFrequency - 1) / averagingFrequency;
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
        if (totEpochs <= 0) {
            problems.add("totEpochs " + totEpochs + " is not > 0");
        }
        if (epoch < 0 || epoch > totEpochs) {
            problems.add("epoch " + epoch + " is outside the " + totEpochs + "-epoch cycle (0.." + totEpochs + ")");
        }
        if (endEpoch < epoch || endEpoch > totEpochs) {
            problems.add("endEpoch " + endEpoch + " is not between epoch " + epoch + " and totEpochs " + totEpochs);
        }
        if (workers <= 0 || batchSizePerWorker <= 0 || averagingFrequency <= 0 || itersPerEpoch <= 0) {
            problems.add("workers " + workers + ", batchSizePerWorker " + batchSizePerWorker + ", averagingFrequency "
                    + averagingFrequency + " and itersPerEpoch " + itersPerEpoch + " must all be > 0");
        } else if (examples < workers) {
            problems.add("examples " + examples + " is fewer than workers " + workers);
        } else {
            long perWorker = (examples + workers - 1) / workers;
            long ipe = (perWorker + batchSizePerWorker - 1) / batchSizePerWorker;
            if (ipe != itersPerEpoch) {
                problems.add("itersPerEpoch " + itersPerEpoch + " is not what " + examples + " examples over " + workers
                        + " workers in batches of " + batchSizePerWorker + " give (" + ipe + ")");
            }
        }
        if (itersPerEpoch > 0 && midEpoch == null && iteration != (long) epoch * itersPerEpoch) {
            problems.add("iteration " + iteration + " is not epoch " + epoch + " x itersPerEpoch " + itersPerEpoch
                    + " = " + (long) epoch * itersPerEpoch);
        }
        if (itersPerEpoch > 0 && averagingFrequency > 0 && midEpoch != null
                && iteration != iterationAt(epoch, midEpoch.round(), itersPerEpoch, averagingFrequency)) {
            problems.add("iteration " + iteration + " is not epoch " + epoch + " x itersPerEpoch " + itersPerEpoch
                    + " + round " + midEpoch.round() + " x averagingFrequency " + averagingFrequency + " = "
                    + iterationAt(epoch, midEpoch.round(), itersPerEpoch, averagingFrequency));
        }
        if (paramsSha256 == null || !paramsSha256.matches("[0-9a-f]{64}")) {
            problems.add("paramsSha256 is missing or not a SHA-256");
        }
        if (problems.isEmpty() && totEpochs > 0) {
            try {
                policy.schedule(CycleSlice.builder().optTotEpochs(totEpochs).optStartEpoch(0).setEpochs(totEpochs)
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
    public static Map<String, Object> policyJson(OneCyclePolicy policy) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("style", policy.style().id());
        p.put("lrMax", policy.lrMax());
        p.put("divFactor", policy.divFactor());
        p.put("pctStart", policy.pctStart());
        p.put("finalDiv", policy.finalDiv());
        p.put("maxMomentum", policy.maxMomentum());
        p.put("baseMomentum", policy.baseMomentum());
        p.put("annealing", policy.annealing().id());
        p.put("threePhase", policy.threePhase());
        return p;
    }

    /** The JSON form written to {@code state.json}. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("formatVersion", formatVersion);
        m.put("epoch", epoch);
        m.put("iteration", iteration);
        m.put("policy", policyJson(policy));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("totEpochs", totEpochs);
        s.put("endEpoch", endEpoch);
        s.put("itersPerEpoch", itersPerEpoch);
        m.put("cycle", s);
        m.put("seed", seed);
        m.put("workers", workers);
        m.put("batchSizePerWorker", batchSizePerWorker);
        m.put("averagingFrequency", averagingFrequency);
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

    /** Reads {@code state.json}; refuses a format newer than this release and anything incomplete. */
    @SuppressWarnings("unchecked")
    static CheckpointState fromJson(Map<String, Object> m, String name) throws CorruptCheckpointException {
        try {
            int version = ((Number) m.get("formatVersion")).intValue();
            if (version > FORMAT_VERSION) {
                throw new CorruptCheckpointException(name + " has checkpoint format " + version
                        + ", newer than this release reads (" + FORMAT_VERSION + "); use a newer onecycle-spark");
            }
            if (version < 1) {
                throw new CorruptCheckpointException(name + " has unknown checkpoint format " + version);
            }
            Map<String, Object> p = (Map<String, Object>) m.get("policy");
            Map<String, Object> c = (Map<String, Object>) m.get("cycle");
            Map<String, Object> e = (Map<String, Object>) m.get("midEpoch");
            MidEpoch midEpoch = e == null ? null : new MidEpoch(((Number) e.get("round")).intValue(),
                    num(e, "lossSum"), ((Number) e.get("minibatches")).longValue(), num(e, "seconds"));
            OneCyclePolicy policy = OneCyclePolicy.builder().setLrMax(num(p, "lrMax"))
                    .optDivFactor(num(p, "divFactor")).optPctStart(num(p, "pctStart")).optFinalDiv(num(p, "finalDiv"))
                    .optMomentum(num(p, "maxMomentum"), num(p, "baseMomentum"))
                    .optStyle(OneCycleStyle.parse((String) p.get("style")))
                    .optAnnealing(Annealing.parse((String) p.get("annealing")))
                    .optThreePhase(Boolean.TRUE.equals(p.get("threePhase"))).build();
            return new CheckpointState(version, ((Number) m.get("epoch")).intValue(),
                    ((Number) m.get("iteration")).longValue(), policy, ((Number) c.get("totEpochs")).intValue(),
                    ((Number) c.get("endEpoch")).intValue(), ((Number) c.get("itersPerEpoch")).intValue(),
                    ((Number) m.get("seed")).longValue(), ((Number) m.get("workers")).intValue(),
                    ((Number) m.get("batchSizePerWorker")).intValue(),
                    ((Number) m.get("averagingFrequency")).intValue(), ((Number) m.get("examples")).longValue(),
                    (String) m.get("paramsSha256"), (String) m.get("createdAt"), midEpoch);
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new CorruptCheckpointException(name + ": state.json is incomplete or malformed (" + e + ")");
        }
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
