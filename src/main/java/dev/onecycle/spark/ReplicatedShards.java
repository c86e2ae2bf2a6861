package dev.onecycle.spark;

import dev.onecycle.data.LabeledData;
import dev.onecycle.worker.WorkerShard;
import java.util.ArrayList;
import java.util.List;
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

    ReplicatedShards(Broadcast<LabeledData> examples, int classes) {
        this.examples = examples;
        this.classes = classes;
    }

    @Override
    public long prepare(JobGroupScope jobs) {
        return examples.value().size();
    }

    @Override
    public JavaRDD<WorkerShard> shards(JavaSparkContext sc, Broadcast<int[]> positions, int workers, int batchSize) {
        Broadcast<LabeledData> data = examples;
        int k = classes;
        List<Integer> ids = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            ids.add(w);
        }
        return sc.parallelize(ids, workers).mapPartitionsWithIndex((w, it) ->
                List.of(DataSpread.shard(data.value(), k, positions.value(), workers, w, batchSize)).iterator(), true);
    }

    @Override
    public void release() {
    }
}
