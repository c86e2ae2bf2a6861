package dev.onecycle.averaging;

import dev.onecycle.worker.NetworkState;
import dev.onecycle.worker.RoundResult;
import java.io.Serializable;
import java.util.List;

/**
 * What one worker returns from a barrier job: its part of each round (without state), and, from worker 0
 * only, the averaged state after the last round (every worker holds the same one).
 */
record SegmentResult(int worker, List<RoundResult> rounds, NetworkState end) implements Serializable {
}
