package dev.onecycle.averaging;

import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * What a strategy needs to know of the cluster and the fit to say whether it can run ({@link AveragingPath#choose}):
 * the fit's workers, the task slots the cluster has now (Spark's own count for barrier stages), whether dynamic
 * allocation is on, and the bytes of one worker's state (parameters and updater state; -1: not known yet).
 */
public record Cluster(int workers, int taskSlots, boolean dynamicAllocation, long stateBytes) {

    /** {@code sc}'s cluster now, for a fit of {@code workers} workers whose state has {@code stateBytes} bytes. */
    public static Cluster of(JavaSparkContext sc, int workers, long stateBytes) {
        SparkContext s = sc.sc();
        return new Cluster(workers, s.maxNumConcurrentTasks(s.resourceProfileManager().defaultResourceProfile()),
                sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false), stateBytes);
    }
}
