package dev.onecycle.spark;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark job group a {@code fit} runs its jobs in, and the restoring of the caller's properties after.
 *
 * <p>A group set by the caller (Zeppelin sets one per paragraph; a notebook or an application may set its own)
 * is kept, so the paragraph's progress bar follows training and {@code cancelJobGroup} reaches it; every job is
 * told apart by its description (epoch, round, iterations), which the Spark UI shows. Without a caller's group
 * the trainer uses its own. On {@link #close} the group, the description and {@code spark.job.interruptOnCancel}
 * are set back to what the caller had, whether {@code fit} returned or threw.
 *
 * <p>A cancel of the group, or an interrupt of the driver's thread, ends training with a
 * {@link TrainingCancelledException} naming where it stopped ({@link #run}, {@link #await}).
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

    /** Runs one Spark job; a cancelled job group or an interrupted driver thread ends training. */
    <T> T run(int epoch, long iterationsDone, Supplier<T> job) {
        checkInterrupted(epoch, iterationsDone);
        try {
            return job.get();
        } catch (RuntimeException e) {
            throw cancelledOr(epoch, iterationsDone, e);
        }
    }

    /** Waits for a submitted job, as {@link #run}. */
    <T> T await(JavaFutureAction<T> future, int epoch, long iterationsDone) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new TrainingCancelledException(group, epoch, iterationsDone, e);
        } catch (ExecutionException | CancellationException e) {
            throw cancelledOr(epoch, iterationsDone, e);
        }
    }

    /** Throws a {@link TrainingCancelledException} when the driver's thread was interrupted. */
    void checkInterrupted(int epoch, long iterationsDone) {
        if (Thread.currentThread().isInterrupted()) {
            throw new TrainingCancelledException(group, epoch, iterationsDone,
                    new InterruptedException("the driver thread was interrupted"));
        }
    }

    /** {@code e} as a {@link TrainingCancelledException} when it is a cancellation, else {@code e} (unwrapped). */
    private RuntimeException cancelledOr(int epoch, long iterationsDone, Throwable e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cancelled(t)) {
            return new TrainingCancelledException(group, epoch, iterationsDone, t);
        }
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new IllegalStateException(t.getMessage(), t); // SparkException: checked in Java, thrown by Scala code
    }

    static boolean cancelled(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof InterruptedException || t instanceof CancellationException
                    || m.contains("part of cancelled job group")
                    || m.contains("cancellation of all jobs") || m.contains("SparkContext was shut down")) {
                return true;
            }
        }
        return false;
    }

    /** Every message of {@code e}'s causes, in one line. */
    static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t.getMessage()).append(' ');
        }
        return all.toString();
    }

    @Override
    public void close() {
        sc.setLocalProperty(GROUP, savedGroup);
        sc.setLocalProperty(DESCRIPTION, savedDescription);
        sc.setLocalProperty(INTERRUPT, savedInterrupt);
    }
}
