package dev.onecycle.run;

/**
 * A run cannot start because of what the user gave it (settings, data, model, folders); the message says what is
 * wrong and how to fix it. The command line turns it into exit code 2.
 */
public class RunInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public RunInputException(String message) {
        super(message);
    }

    public RunInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
