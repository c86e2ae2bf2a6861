package dev.onecycle.averaging;

import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.RoundSteps;
import java.io.Serializable;
import java.util.List;

/**
 * Broadcast to the workers for one job of the barrier path: consecutive rounds of one epoch, the averaged
 * state to start from, the summation order of the averaging, and the driver endpoint that averages.
 */
record SegmentInput(List<RoundSteps> rounds, NetworkState start, int fanIn, String endpoint) implements Serializable {
}
