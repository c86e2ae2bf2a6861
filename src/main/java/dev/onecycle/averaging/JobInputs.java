package dev.onecycle.averaging;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.broadcast.Broadcast;

/** The input broadcasts of the strategies' jobs. */
final class JobInputs {
    private JobInputs() {
    }

    /**
     * Destroys a job's input broadcast once the job succeeded. A failed or cancelled job's tasks may still be
     * running (Spark kills them asynchronously) and read it; that broadcast is left to Spark's cleaner.
     */
    static void releaseIfDone(Broadcast<?> b, JavaFutureAction<?> job) {
        boolean succeeded;
        try {
            succeeded = job.isDone() && !job.isCancelled() && job.get() != null;
        } catch (Exception failed) {
            succeeded = false;
        }
        if (succeeded && b.isValid()) { // a second destroy is an error in Spark
            b.destroy();
        }
    }
}
