package dev.onecycle.study;

import dev.onecycle.dl4j.BuiltInNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a study runs: the network, the epoch budget E, the seeds, the policies and their shapes, and the training
 * settings every job shares. Validated here, in one place; {@link #describe()} is what a study folder records so
 * that a rerun continues only the same study.
 *
 * @param network           built-in network: mlp or lenet
 * @param epochs            the budget E of every policy
 * @param seeds             the seeds, each run by every policy (paired comparisons)
 * @param policies          the policies to run (numbers 1 to 4)
 * @param lrMax             peak learning rate of policy 1, of the first cycle of 2 and of every cycle of 3
 * @param secondPeakDivisor policy 2's second cycle peaks at lrMax / this
 * @param cycles            policy 3's number of cycles (E divisible by it)
 * @param pieces            policy 4's jobs' lengths in epochs (summing to E)
 * @param workers           Spark workers (local[workers])
 * @param maxExamples       training examples (0: all)
 * @param data              the data folder (null: Fashion-MNIST as {@code onecycle train} finds it)
 * @param hidden            the MLP's hidden units (0: train's default)
 */
public record StudyPlan(String network, int epochs, List<Long> seeds, List<Integer> policies, double lrMax,
        double secondPeakDivisor, int cycles, List<Integer> pieces, int workers, int maxExamples, String data,
        int hidden) {

    /** A bad study setting: the flag, the rule and the value. */
    public static final class InvalidStudyException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String flag;

        public InvalidStudyException(String flag, String message) {
            super(message);
            this.flag = flag;
        }

        public String flag() {
            return flag;
        }
    }

    public StudyPlan {
        seeds = List.copyOf(seeds);
        policies = List.copyOf(policies);
        pieces = pieces == null || pieces.isEmpty() ? defaultPieces(epochs) : List.copyOf(pieces);
        if (Arrays.stream(BuiltInNetwork.values()).map(BuiltInNetwork::id).noneMatch(network::equals)) {
            throw new InvalidStudyException("--network", "must be one of " + BuiltInNetwork.IDS + ", got '" + network
                    + "'");
        }
        if (epochs < 2 || epochs % 2 != 0) {
            throw new InvalidStudyException("--epochs", "must be even and >= 2 (policy 2 runs two cycles of E/2), got "
                    + epochs);
        }
        if (seeds.isEmpty() || seeds.stream().distinct().count() != seeds.size()) {
            throw new InvalidStudyException("--seeds", "must name at least one seed, each once, got " + seeds);
        }
        if (policies.isEmpty() || policies.stream().anyMatch(p -> p < 1 || p > 4)
                || policies.stream().distinct().count() != policies.size()) {
            throw new InvalidStudyException("--policies", "must be distinct numbers from 1 to 4, got " + policies);
        }
        if (policies.contains(4) && !policies.contains(1)) {
            throw new InvalidStudyException("--policies", "4 is checked against 1: add 1, got " + policies);
        }
        if (!(lrMax > 0) || !Double.isFinite(lrMax)) {
            throw new InvalidStudyException("--lr-max", "must be finite and > 0, got " + lrMax);
        }
        if (!(secondPeakDivisor >= 1) || !Double.isFinite(secondPeakDivisor)) {
            throw new InvalidStudyException("--second-peak-divisor", "must be finite and >= 1, got " + secondPeakDivisor);
        }
        if (policies.contains(3) && (cycles < 2 || epochs % cycles != 0)) {
            throw new InvalidStudyException("--cycles", "must be >= 2 and divide --epochs " + epochs + ", got " + cycles);
        }
        if (policies.contains(4) && (pieces.size() < 2 || pieces.stream().anyMatch(n -> n < 1)
                || pieces.stream().mapToInt(Integer::intValue).sum() != epochs || pieces.get(pieces.size() - 1) < 2)) {
            throw new InvalidStudyException("--pieces", "must be 2 or more epoch counts >= 1 summing to --epochs "
                    + epochs + ", the last >= 2 (it is stopped after its first epoch and resumed), got " + pieces);
        }
        if (workers < 1) {
            throw new InvalidStudyException("--workers", "must be >= 1, got " + workers);
        }
        if (maxExamples < 0) {
            throw new InvalidStudyException("--max-examples", "must be > 0 (or 0: all), got " + maxExamples);
        }
        if (hidden < 0 || hidden > 0 && network.equals(BuiltInNetwork.LENET.id())) {
            throw new InvalidStudyException("--hidden", "sets the MLP's width: > 0, and not with --network lenet, got "
                    + hidden);
        }
    }

    /** The seed's 9 + 13 + 18 at E = 40, scaled to other budgets (boundaries at 9/40 and 22/40 of E, rounded). */
    static List<Integer> defaultPieces(int epochs) {
        int a = Math.max(1, Math.round(epochs * 9f / 40));
        int b = Math.max(a + 1, Math.round(epochs * 22f / 40));
        List<Integer> p = new ArrayList<>();
        if (b <= epochs - 2) {
            p.add(a);
            p.add(b - a);
            p.add(epochs - b);
        } else if (epochs >= 3) {
            p.add(1);
            p.add(epochs - 1);
        } else {
            p.add(epochs); // refused by the check: E = 2 leaves no room for two pieces with a stoppable last one
        }
        return p;
    }

    /** The policies, in order. */
    public List<Policy> policyList() {
        return policies.stream().sorted().map(Policy::of).toList();
    }

    /** Every (seed, policy) run, seed-major: all policies of a seed before the next seed (paired results early). */
    public List<StudyRun> runs() {
        List<StudyRun> runs = new ArrayList<>();
        for (long seed : seeds) {
            for (Policy p : policyList()) {
                runs.add(new StudyRun(this, seed, p));
            }
        }
        return runs;
    }

    /** One line per setting: what a study folder records, and a rerun must match. */
    public String describe() {
        return String.join("\n", List.of("network=" + network, "epochs=" + epochs, "seeds=" + join(seeds),
                "policies=" + join(policies), "lrMax=" + format(lrMax), "secondPeakDivisor=" + format(secondPeakDivisor),
                "cycles=" + cycles, "pieces=" + join(pieces), "workers=" + workers, "maxExamples=" + maxExamples,
                "data=" + (data == null ? "" : data), "hidden=" + hidden)) + "\n";
    }

    private static String join(List<?> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    /** One policy run for one seed. */
    public record StudyRun(StudyPlan plan, long seed, Policy policy) {
        public List<StudyJob> jobs() {
            return policy.jobs(plan, seed);
        }

        /** Its folder under the study's: {@code mlp/seed-1/policy-1-one-cycle}. */
        public String folder() {
            return plan.network() + "/seed-" + seed + "/" + policy.folder();
        }
    }
}
