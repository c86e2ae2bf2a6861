package dev.onecycle.checkpoint;

import java.io.IOException;

/** Another live job holds the checkpoint folder's lock. */
public class CheckpointLockedException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointLockedException(String message) {
        super(message);
    }
}
