package dev.onecycle.averaging;

import java.io.Serializable;

/**
 * A worker's state after a round of a barrier job, sent to the driver's {@link AveragingEndpoint}; the reply is
 * the mean over all workers. {@code attempt} names the barrier stage attempt (a rerun stage starts afresh),
 * {@code round} the cycle iteration the round started at.
 */
record AverageRequest(String attempt, long round, int worker, int workers, int fanIn, Floats state)
        implements Serializable {
}
