package dev.onecycle.spark;

import java.io.Serializable;

/** Broadcast to the workers for one round of the job-per-round path: the round and the averaged state to start from. */
record RoundInput(RoundState round, NetworkState start) implements Serializable {
}
