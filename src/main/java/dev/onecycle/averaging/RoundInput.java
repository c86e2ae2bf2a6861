package dev.onecycle.averaging;

import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.RoundSteps;
import java.io.Serializable;

/** Broadcast to the workers for one round of the job-per-round path: the round and the averaged state to start from. */
record RoundInput(RoundSteps round, NetworkState start) implements Serializable {
}
