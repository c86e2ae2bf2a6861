package dev.onecycle.run;

/**
 * The job was asked to stop (SIGTERM, Ctrl-C) and did so cleanly; the message says where training stopped and
 * how to continue.
 */
public class TrainingStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String signal;
    private final boolean atCheckpoint;

    public TrainingStoppedException(String signal, String message) {
        this(signal, message, false);
    }

    /** {@code atCheckpoint}: the job wrote a checkpoint of where it stopped (a graceful stop, nothing lost). */
    public TrainingStoppedException(String signal, String message, boolean atCheckpoint) {
        super(message);
        this.signal = signal;
        this.atCheckpoint = atCheckpoint;
    }

    /** True when the job stopped at a checkpoint it wrote as it stopped: {@code --resume} loses nothing. */
    public boolean atCheckpoint() {
        return atCheckpoint;
    }

    /** The signal's name ({@code TERM}, {@code INT}). */
    public String signal() {
        return signal;
    }
}
