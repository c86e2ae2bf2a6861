package dev.onecycle.run;

/** The job keeps restarting from the same checkpoint without progress; continuing would loop forever. */
public class CrashLoopException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CrashLoopException(String message) {
        super(message);
    }
}
