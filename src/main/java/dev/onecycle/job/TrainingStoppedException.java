package dev.onecycle.job;

/**
 * The job was asked to stop (SIGTERM, Ctrl-C) and did so cleanly; the message says where training stopped and
 * how to continue.
 */
public class TrainingStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String signal;

    public TrainingStoppedException(String signal, String message) {
        super(message);
        this.signal = signal;
    }

    /** The signal's name ({@code TERM}, {@code INT}). */
    public String signal() {
        return signal;
    }
}
