package dev.onecycle.spark;

import java.io.Serializable;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * What one worker trains in one epoch: its examples in the epoch's seeded order, cut into consecutive
 * minibatches of {@code batchSize} (the last may be smaller).
 */
public record WorkerShard(int worker, List<Example> examples, int batchSize) implements Serializable {

    public int numBatches() {
        return (examples.size() + batchSize - 1) / batchSize;
    }

    /** Minibatch {@code step} of the epoch. */
    public DataSet batch(int step) {
        int from = step * batchSize;
        return Example.batch(examples, from, Math.min(examples.size(), from + batchSize));
    }
}
