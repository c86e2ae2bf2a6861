package dev.onecycle.job;

/**
 * The job cannot start because of what the user gave it (data, model, run folder); the message says what is
 * wrong and how to fix it. The command line turns it into exit code 2.
 */
public class JobInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public JobInputException(String message) {
        super(message);
    }

    public JobInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
