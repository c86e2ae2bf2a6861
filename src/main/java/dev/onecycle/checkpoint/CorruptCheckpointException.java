package dev.onecycle.checkpoint;

import java.io.IOException;

/** A checkpoint exists but cannot be trusted: the message names it and says what is wrong. */
public class CorruptCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptCheckpointException(String message) {
        super(message);
    }
}
