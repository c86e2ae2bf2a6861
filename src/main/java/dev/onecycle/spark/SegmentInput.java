package dev.onecycle.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Broadcast to the workers for one job of the barrier path: consecutive rounds of one epoch, the averaged
 * state to start from, the summation order of the averaging, and the driver endpoint that averages.
 */
record SegmentInput(List<RoundState> rounds, NetworkState start, int fanIn, String endpoint) implements Serializable {
}
