package dev.onecycle.spark;

import java.io.IOException;
import java.io.UncheckedIOException;

/** A checkpoint could not be written; the message names the path and the reason. */
public class CheckpointWriteException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    public CheckpointWriteException(IOException cause) {
        super(cause.getMessage(), cause);
    }
}
