package dev.onecycle.spark;

import java.util.Locale;

/**
 * Where the workers' states are averaged each round. Both give bitwise the same result (the same
 * {@link WorkerMean} order); they differ in cost.
 */
public enum AveragingPath {
    /**
     * One Spark job per round; the driver (or, past a few workers, a tree of executors) averages. Runs on any
     * cluster, reruns single failed tasks; costs at least one Spark job per round.
     */
    DRIVER,
    /**
     * One Spark job trains many rounds in Spark's barrier execution mode; the workers average among themselves
     * with {@code BarrierTaskContext.allGather} after every round. Needs a free task slot per worker; every
     * worker receives every other worker's state each round through the driver (workers x state size).
     */
    BARRIER,
    /** {@link #BARRIER} when the cluster has a task slot per worker and the state is small enough, else {@link #DRIVER}. */
    AUTO;

    public static AveragingPath parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new dev.onecycle.schedule.InvalidParameterException("averaging", "must be driver, barrier or auto",
                    String.valueOf(value));
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
