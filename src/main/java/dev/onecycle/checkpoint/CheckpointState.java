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
 */
public record CheckpointState(int formatVersion, int epoch, long iteration, OneCyclePolicy policy, int totEpochs,
        int endEpoch, int itersPerEpoch, long seed, int workers, int batchSizePerWorker, int averagingFrequency,
        long examples, String paramsSha256, String createdAt) {

    /** The checkpoint format written by this release; older ones are read, newer ones refused. */
    public static final int FORMAT_VERSION = 1;

    public CheckpointState {
        Objects.requireNonNull(policy, "policy");
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
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("epoch-(\\d{4,})").matcher(folderName);
        if (m.matches() && Long.parseLong(m.group(1)) != epoch) {
            problems.add("state.json says epoch " + epoch + " but the folder is " + folderName);
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
        if (itersPerEpoch > 0 && iteration != (long) epoch * itersPerEpoch) {
            problems.add("iteration " + iteration + " is not epoch " + epoch + " x itersPerEpoch " + itersPerEpoch
                    + " = " + (long) epoch * itersPerEpoch);
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
                    (String) m.get("paramsSha256"), (String) m.get("createdAt"));
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new CorruptCheckpointException(name + ": state.json is incomplete or malformed (" + e + ")");
        }
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
