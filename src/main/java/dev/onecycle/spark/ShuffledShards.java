package dev.onecycle.spark;

import dev.onecycle.worker.WorkerShard;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.DataSet;

/** Shards of any RDD, moved by a shuffle every epoch ({@link ShardSource}). */
final class ShuffledShards implements ShardSource {
    private final JavaRDD<ExampleBlock> blocks;
    private long[] offsets;

    ShuffledShards(JavaRDD<DataSet> data) {
        this.blocks = DataSpread.blocks(data);
    }

    @Override
    public long prepare(JavaSparkContext sc, JobGroupScope jobs) {
        blocks.persist(StorageLevel.DISK_ONLY());
        List<Integer> counts = jobs.run(-1, 0, () -> blocks.map(b -> b.count).collect());
        offsets = DataSpread.offsets(counts);
        return counts.stream().mapToLong(Integer::longValue).sum();
    }

    @Override
    public JavaRDD<WorkerShard> shards(JavaSparkContext sc, Broadcast<int[]> positions, int workers, int batchSize) {
        return DataSpread.shards(blocks, offsets, positions, workers, batchSize);
    }

    @Override
    public void release() {
        blocks.unpersist(false);
    }
}
