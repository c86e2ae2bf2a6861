package dev.onecycle.spark;

import dev.onecycle.data.LabeledData;
import dev.onecycle.worker.WorkerShard;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Shards built by each worker's task from the examples every executor holds ({@link DriverData}'s broadcast):
 * no shuffle ({@link ShardSource}).
 */
final class ReplicatedShards implements ShardSource {
    private final Broadcast<LabeledData> examples;
    private final int classes;
    private final int partitions;

    /** {@code partitions}: tasks of the preparing job (the DriverData's RDD's). */
    ReplicatedShards(Broadcast<LabeledData> examples, int classes, int partitions) {
        this.examples = examples;
        this.classes = classes;
        this.partitions = Math.max(1, partitions);
    }

    /**
     * A job of one task per partition that reads the broadcast's size where it runs: it waits for a cluster's
     * executors as the shuffled source's packing job does, and fetches the examples to them before the first
     * epoch; each executor reports the same count.
     */
    @Override
    public long prepare(JavaSparkContext sc, JobGroupScope jobs) {
        Broadcast<LabeledData> data = examples;
        List<Integer> sizes = jobs.run(-1, 0, () -> sc.parallelize(indices(partitions), partitions)
                .map(p -> data.value().size()).collect());
        int n = examples.value().size();
        for (int size : sizes) {
            if (size != n) {
                throw new IllegalStateException("an executor holds " + size + " examples, the driver " + n);
            }
        }
        return n;
    }

    @Override
    public JavaRDD<WorkerShard> shards(JavaSparkContext sc, Broadcast<int[]> positions, int workers, int batchSize) {
        Broadcast<LabeledData> data = examples;
        int k = classes;
        return sc.parallelize(indices(workers), workers).mapPartitionsWithIndex((w, it) ->
                List.of(DataSpread.shard(data.value(), k, positions.value(), workers, w, batchSize)).iterator(), true);
    }

    /** 0 .. n-1: one element per partition of a parallelized job. */
    private static List<Integer> indices(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Override
    public void release() {
    }
}
