package dev.onecycle.spark;

import dev.onecycle.data.LabeledData;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Examples held on the driver (read from IDX, CSV...) for {@link OneCycleTrainer#fit}: the examples travel once,
 * in their compact source form (IDX images as bytes), as a broadcast, and nothing is shipped again per epoch:
 * given the DriverData itself, the trainer's workers build each epoch's shards from that broadcast; as
 * {@link #rdd()} (an RDD of DataSets whose tasks carry only index ranges) any RDD consumer can read them.
 * {@link #close} destroys the broadcast once training is over.
 */
public final class DriverData implements AutoCloseable {
    /** Examples per partition: each becomes one packed block of the trainer (~25 MB of floats for 784 features). */
    static final int EXAMPLES_PER_PARTITION = 8192;
    /** Examples per DataSet handed to the trainer (it packs them into one block per partition). */
    private static final int CHUNK = 512;

    private final Broadcast<LabeledData> examples;
    private final int classes;
    private final JavaRDD<DataSet> rdd;

    public DriverData(JavaSparkContext sc, LabeledData data, int classes, int minPartitions) {
        this.examples = sc.broadcast(data);
        this.classes = classes;
        int n = data.size();
        int partitions = Math.max(1, Math.max(Math.min(minPartitions, n), (n + EXAMPLES_PER_PARTITION - 1) / EXAMPLES_PER_PARTITION));
        List<int[]> ranges = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            int from = (int) ((long) n * p / partitions);
            int to = (int) ((long) n * (p + 1) / partitions);
            ranges.add(new int[] {from, to});
        }
        Broadcast<LabeledData> bc = examples;
        this.rdd = sc.parallelize(ranges, partitions)
                .flatMap(r -> bc.value().range(r[0], r[1]).toDataSets(CHUNK, classes).iterator());
    }

    /** The examples in order, one partition per range. */
    public JavaRDD<DataSet> rdd() {
        return rdd;
    }

    /**
     * The examples as the trainer's shard source: each epoch, every worker's task builds its shard from the
     * broadcast its executor already holds, with no shuffle ({@link OneCycleTrainer#fit(org.apache.spark.api.java.JavaSparkContext,
     * dev.onecycle.dl4j.Network, DriverData)}); bitwise the shards of {@link #rdd()}.
     */
    ShardSource shards() {
        return new ReplicatedShards(examples, classes, rdd.getNumPartitions());
    }

    @Override
    public void close() {
        if (examples.isValid()) {
            examples.destroy();
        }
    }
}
