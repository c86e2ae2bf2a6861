package dev.onecycle.checkpoint;

/**
 * Called before every write to the checkpoint or run folder: returns while the job may write there, throws
 * {@link LockLostException} once it may not (its {@link CheckpointLock} was taken over). {@link #NONE}: no lock.
 */
@FunctionalInterface
public interface Fence {
    Fence NONE = () -> { };

    void check();
}
