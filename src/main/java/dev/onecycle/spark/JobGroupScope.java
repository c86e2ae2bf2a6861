package dev.onecycle.spark;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark job group a {@code fit} runs its jobs in, and the restoring of the caller's properties after.
 *
 * <p>A group set by the caller (Zeppelin sets one per paragraph; a notebook or an application may set its own)
 * is kept, so the paragraph's progress bar follows training and {@code cancelJobGroup} reaches it; every job is
 * told apart by its description (epoch, round, iterations), which the Spark UI shows. Without a caller's group
 * the trainer uses its own. On {@link #close} the group, the description and {@code spark.job.interruptOnCancel}
 * are set back to what the caller had, whether {@code fit} returned or threw.
 */
final class JobGroupScope implements AutoCloseable {
    static final String GROUP = "spark.jobGroup.id";
    static final String DESCRIPTION = "spark.job.description";
    static final String INTERRUPT = "spark.job.interruptOnCancel";

    private final JavaSparkContext sc;
    private final String savedGroup;
    private final String savedDescription;
    private final String savedInterrupt;
    private final String group;

    private JobGroupScope(JavaSparkContext sc, String ownGroup) {
        this.sc = sc;
        this.savedGroup = sc.getLocalProperty(GROUP);
        this.savedDescription = sc.getLocalProperty(DESCRIPTION);
        this.savedInterrupt = sc.getLocalProperty(INTERRUPT);
        if (savedGroup == null) {
            sc.setJobGroup(ownGroup, "1cycle training", false);
            this.group = ownGroup;
        } else {
            this.group = savedGroup;
        }
    }

    /** Enters the caller's job group, or {@code ownGroup} when the caller set none. */
    static JobGroupScope enter(JavaSparkContext sc, String ownGroup) {
        return new JobGroupScope(sc, ownGroup);
    }

    /** The group the jobs run in. */
    String group() {
        return group;
    }

    /** True when the group is the caller's (a cancel of it is the caller's request to stop). */
    boolean callersGroup() {
        return savedGroup != null;
    }

    /** The description of the next jobs (shown in the Spark UI and by Zeppelin). */
    void describe(String description) {
        sc.setLocalProperty(DESCRIPTION, description);
    }

    @Override
    public void close() {
        sc.setLocalProperty(GROUP, savedGroup);
        sc.setLocalProperty(DESCRIPTION, savedDescription);
        sc.setLocalProperty(INTERRUPT, savedInterrupt);
    }
}
