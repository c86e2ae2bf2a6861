package dev.onecycle.checkpoint;

/**
 * Fencing: this job's checkpoint lock was taken over (or removed) while it did not run, so another job may own
 * the checkpoint and run folders now; the job stops before writing anything more. The message is one line.
 */
public class LockLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LockLostException(String message) {
        super(message);
    }
}
