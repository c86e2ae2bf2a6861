package dev.onecycle.averaging;

import dev.onecycle.schedule.InvalidParameterException;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The averaging strategies a fit can use, registered here and nowhere else: each names its {@link Averaging}
 * class, what it needs of the cluster and its one-line description (the {@code averaging} setting's list, its
 * help text and its parse message are made from these). All give bitwise the same result (the same
 * {@link WorkerMean} order); they differ in cost.
 *
 * <p>A new strategy: one class implementing {@link Averaging} in this package, and one constant here, placed
 * among the others in the order {@link #AUTO} prefers them.
 */
public enum AveragingPath {
    /**
     * One Spark job trains many rounds in Spark's barrier execution mode; after every round the workers average
     * through the driver's {@link AveragingEndpoint}. Needs a free task slot per worker; every worker receives
     * every other worker's state each round through the driver (workers x state size).
     */
    BARRIER(BarrierAveraging::new, BarrierAveraging::refusal, BarrierAveraging::suits,
            "many rounds per Spark job, averaged through the driver's RPC endpoint; needs a free task slot per worker"),
    /**
     * One Spark job per round; the driver (or, past a few workers, a tree of executors) averages. Runs on any
     * cluster, reruns single failed tasks; costs at least one Spark job per round.
     */
    DRIVER(DriverAveraging::new, cluster -> null, cluster -> true, "one Spark job per round"),
    /** The first of the strategies above, in their order, that suits the cluster and the state's size. */
    AUTO(null, null, null, "barrier when it can run");

    private final Function<Averaging.Context, Averaging> start;
    private final Function<Cluster, String> refusal;
    private final Predicate<Cluster> suits;
    private final String summary;

    AveragingPath(Function<Averaging.Context, Averaging> start, Function<Cluster, String> refusal,
            Predicate<Cluster> suits, String summary) {
        this.start = start;
        this.refusal = refusal;
        this.suits = suits;
        this.summary = summary;
    }

    public static AveragingPath parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidParameterException("averaging", "must be one of " + ids(", "), String.valueOf(value));
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every id in alphabetical order, joined by {@code separator}: {@code "auto, barrier, driver"}. */
    public static String ids(String separator) {
        return Arrays.stream(values()).map(AveragingPath::id).sorted().collect(Collectors.joining(separator));
    }

    /** The choices for a help text: {@code "barrier (...), driver (...) or auto (...)"}, in declaration order. */
    public static String describeAll() {
        String[] each = Arrays.stream(values()).map(p -> p.id() + " (" + p.summary + ")").toArray(String[]::new);
        return String.join(", ", Arrays.copyOf(each, each.length - 1)) + " or " + each[each.length - 1];
    }

    /**
     * The strategy a fit on {@code cluster} averages with: this one when it can run there (else an
     * {@link InvalidParameterException} naming the setting and what to change), or for {@link #AUTO} the first
     * registered strategy that suits it.
     */
    public AveragingPath choose(Cluster cluster) {
        if (this != AUTO) {
            String refused = refusal.apply(cluster);
            if (refused != null) {
                throw new InvalidParameterException("averaging", refused, id());
            }
            return this;
        }
        for (AveragingPath p : values()) {
            if (p != AUTO && p.refusal.apply(cluster) == null && p.suits.test(cluster)) {
                return p;
            }
        }
        throw new IllegalStateException("no averaging strategy suits " + cluster);
    }

    /** Starts this strategy for one fit; {@link #AUTO} must be {@link #choose chosen} first. */
    public Averaging start(Averaging.Context context) {
        if (start == null) {
            throw new IllegalStateException("choose a strategy for " + id() + " first");
        }
        return start.apply(context);
    }
}
