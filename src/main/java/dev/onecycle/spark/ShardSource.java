package dev.onecycle.spark;

import dev.onecycle.worker.WorkerShard;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Where each epoch's worker shards come from ({@link DataSpread} says which example goes where). Two sources give
 * bitwise the same shards:
 * <ul>
 *   <li>{@link ShuffledShards}, for any RDD: the data is packed once into blocks on the executors' disks, and
 *   every epoch moves each block's rows to their workers with a Spark shuffle (it scales to data no executor
 *   could hold);</li>
 *   <li>{@link ReplicatedShards}, for examples held on the driver ({@link DriverData}): every executor already
 *   holds all of them (DriverData's broadcast, in their compact form), so each worker's task builds its own shard
 *   where it trains, with no shuffle, no serialisation and no disk: the data path of the CLI, the study and the
 *   benchmarks (issue 26: the shuffle was ~18% of an MLP epoch's CPU on 60k examples).</li>
 * </ul>
 */
interface ShardSource {
    /**
     * Gets the source ready for the fit and returns its examples. It runs a Spark job either way: on a cluster the
     * averaging path is chosen next from the task slots of the executors that have registered, and a first job
     * is what waits for them to come up.
     */
    long prepare(JavaSparkContext sc, JobGroupScope jobs);

    /** The epoch's shards: partition {@code w} holds worker w's, placed by {@code positions}. Not yet computed. */
    JavaRDD<WorkerShard> shards(JavaSparkContext sc, Broadcast<int[]> positions, int workers, int batchSize);

    /** Frees what {@link #prepare} kept (cached blocks); the source's own data is its owner's. */
    void release();
}
