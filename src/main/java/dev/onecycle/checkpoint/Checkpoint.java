package dev.onecycle.checkpoint;

import org.apache.hadoop.fs.Path;

/** A complete, verified checkpoint: its folder and its state. Load the model with {@link CheckpointStore#loadModel}. */
public record Checkpoint(Path path, CheckpointState state) {

    /** The folder name, e.g. {@code epoch-0008}. */
    public String name() {
        return path.getName();
    }
}
