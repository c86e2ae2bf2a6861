package dev.onecycle.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Broadcast to the workers for one job of the barrier path: consecutive rounds of one epoch, the averaged
 * state to start from, and the summation order of the averaging.
 */
record SegmentInput(List<RoundState> rounds, NetworkState start, int fanIn) implements Serializable {
}
