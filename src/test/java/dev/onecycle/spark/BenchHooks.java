package dev.onecycle.spark;

import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.dl4j.Network;
import java.io.PrintWriter;

/**
 * Test-scope access to the package-private checkpoint observer for the benchmarks in {@code dev.onecycle.bench}
 * (not a test; nothing here runs under {@code mvn test}).
 */
public final class BenchHooks {
    private BenchHooks() {
    }

    /** The observer {@code onecycle train} adds: a checkpoint after every epoch, keeping the newest {@code keep}. */
    public static TrainingObserver epochCheckpointer(CheckpointStore store, CheckpointLock lock, int keep,
            PrintWriter out) {
        return new EpochCheckpointer(store, lock, keep, out);
    }

    /** The checkpoint state the observer writes after {@code epochsDone} epochs (includes the params SHA-256). */
    public static CheckpointState state(TrainingPlan plan, int epochsDone, Network network) {
        return EpochCheckpointer.state(plan, epochsDone, network);
    }
}
