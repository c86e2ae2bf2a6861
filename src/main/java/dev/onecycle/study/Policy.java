package dev.onecycle.study;

import java.util.ArrayList;
import java.util.List;

/**
 * The four ways to spend the same budget of E epochs that the study compares (the seed's three, and its "failed at
 * epoch 9" story): each a list of {@link StudyJob}s, every one an {@code onecycle train} run.
 */
public enum Policy {
    /** (1) One 1cycle over all E epochs. */
    ONE_CYCLE(1, "one-cycle", "one cycle"),
    /** (2) Two cycles of E/2 epochs; the second from the first's model, its peak lrMax / secondPeakDivisor. */
    TWO_CYCLES(2, "two-cycles", "two cycles, 2nd peak smaller"),
    /** (3) {@code cycles} cycles of E/cycles epochs, each from the previous one's model, all at lrMax. */
    SHORT_CYCLES(3, "short-cycles", "short cycles, same peak"),
    /** (4) Policy 1 run as several jobs, resumed from their checkpoints, one of them stopped by SIGTERM. */
    PIECES(4, "pieces", "one cycle in pieces");

    private final int number;
    private final String slug;
    private final String label;

    Policy(int number, String slug, String label) {
        this.number = number;
        this.slug = slug;
        this.label = label;
    }

    public int number() {
        return number;
    }

    /** The run folder's name: {@code policy-1-one-cycle}. */
    public String folder() {
        return "policy-" + number + "-" + slug;
    }

    /** A label for tables, with the plan's numbers: {@code 2: 20 + 20, 2nd peak lrMax/4}. */
    public String label(StudyPlan plan) {
        int e = plan.epochs();
        return switch (this) {
            case ONE_CYCLE -> "1: one " + e + "-epoch cycle";
            case TWO_CYCLES -> "2: " + e / 2 + " + " + e / 2 + ", 2nd peak lrMax/" + StudyPlan.format(plan.secondPeakDivisor());
            case SHORT_CYCLES -> "3: " + plan.cycles() + " x " + e / plan.cycles() + ", same peak";
            case PIECES -> "4: policy 1 as " + String.join(" + ", plan.pieces().stream().map(String::valueOf).toList())
                    + " (resumed)";
        };
    }

    public String shortLabel() {
        return label;
    }

    public static Policy of(int number) {
        for (Policy p : values()) {
            if (p.number == number) {
                return p;
            }
        }
        throw new IllegalArgumentException("no policy " + number + " (1 to 4)");
    }

    /** The jobs this policy runs for {@code seed}, in order, in {@code runDir}. */
    public List<StudyJob> jobs(StudyPlan plan, long seed) {
        List<StudyJob> jobs = new ArrayList<>();
        int e = plan.epochs();
        switch (this) {
            case ONE_CYCLE -> jobs.add(StudyJob.cycle(1, e, plan.lrMax(), false));
            case TWO_CYCLES -> {
                jobs.add(StudyJob.cycle(1, e / 2, plan.lrMax(), false));
                jobs.add(StudyJob.cycle(2, e / 2, plan.lrMax() / plan.secondPeakDivisor(), true));
            }
            case SHORT_CYCLES -> {
                for (int c = 1; c <= plan.cycles(); c++) {
                    jobs.add(StudyJob.cycle(c, e / plan.cycles(), plan.lrMax(), c > 1));
                }
            }
            case PIECES -> {
                int start = 0;
                List<Integer> pieces = plan.pieces();
                for (int k = 0; k < pieces.size(); k++) {
                    boolean stopped = k == pieces.size() - 1; // the last piece is stopped by SIGTERM, then resumed
                    jobs.add(StudyJob.piece(k + 1, e, start, pieces.get(k), plan.lrMax(), stopped));
                    start += pieces.get(k);
                }
            }
            default -> throw new AssertionError(this);
        }
        return jobs;
    }
}
