package dev.onecycle.spark;

import dev.onecycle.data.LabeledData;
import dev.onecycle.worker.Seeds;
import dev.onecycle.worker.ShardPiece;
import dev.onecycle.worker.WorkerShard;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

/**
 * How examples are spread over workers each epoch: a permutation seeded by (seed, epoch) puts example
 * {@code i} (its index in the input RDD's order) at position {@code p}; position {@code p} goes to worker
 * {@code p % workers}, in slot {@code p / workers}. Every example is trained once per epoch, workers differ by
 * at most one example, and a resumed epoch sees the same examples in the same order.
 *
 * <p>The data path is linear in the data: the input is packed once per {@code fit} into one
 * {@link ExampleBlock} per input partition (contiguous floats, kept on the executors' disks); each epoch moves
 * each block's rows, packed per destination worker, into one {@link WorkerShard} per worker (contiguous floats,
 * cached in executor memory for the epoch). No Java object per example exists anywhere.
 */
public final class DataSpread {
    private DataSpread() {
    }

    /**
     * Minibatch steps per epoch: {@code ceil(ceil(examples / workers) / batchSize)}, the count of the worker
     * holding the most examples. One step is one minibatch on every worker.
     */
    public static int itersPerEpoch(long examples, int workers, int batchSize) {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be > 0, got " + workers);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        }
        if (examples < workers) {
            throw new IllegalArgumentException("the data has " + examples + " examples, fewer than the " + workers
                    + " workers; use more data or fewer workers");
        }
        long perWorker = (examples + workers - 1) / workers;
        return Math.toIntExact((perWorker + batchSize - 1) / batchSize);
    }

    /** {@code positions[i]}: where example {@code i} goes in epoch {@code epoch}'s order. */
    public static int[] positions(long seed, int epoch, int examples) {
        int[] order = new int[examples];
        for (int i = 0; i < examples; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, 0x5eed_da7aL, epoch));
        for (int i = examples - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] positions = new int[examples];
        for (int p = 0; p < examples; p++) {
            positions[order[p]] = p;
        }
        return positions;
    }

    /** One {@link ExampleBlock} per partition of {@code data}, in the same partition order. */
    static JavaRDD<ExampleBlock> blocks(JavaRDD<DataSet> data) {
        return data.mapPartitions(it -> List.of(ExampleBlock.pack(it)).iterator(), true);
    }

    /** The global index of each block's first example: the running sum of the blocks' counts. */
    static long[] offsets(List<Integer> countsInPartitionOrder) {
        long[] offsets = new long[countsInPartitionOrder.size()];
        long at = 0;
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = at;
            at += countsInPartitionOrder.get(i);
        }
        return offsets;
    }

    /**
     * The epoch's shards: partition {@code w} holds exactly one {@link WorkerShard}, the one of worker w.
     * {@code offsets[b]} is the global index of block {@code b}'s first example.
     */
    static JavaRDD<WorkerShard> shards(JavaRDD<ExampleBlock> blocks, long[] offsets, Broadcast<int[]> positions,
            int workers, int batchSize) {
        JavaRDD<Tuple2<Integer, ShardPiece>> pieces = blocks.mapPartitionsWithIndex((b, it) -> {
            ExampleBlock block = it.next();
            return cut(block, offsets[b], positions.value(), workers).iterator();
        }, false);
        return JavaPairRDD.fromJavaRDD(pieces).partitionBy(new HashPartitioner(workers)).values()
                .mapPartitionsWithIndex((w, it) -> List.of(WorkerShard.assemble(w, it, batchSize)).iterator(), true);
    }

    /**
     * Worker {@code w}'s shard built directly from all the examples (features as {@link LabeledData#copyFeatures}
     * gives them, labels one-hot over {@code classes}): bitwise the shard {@link #shards} assembles from blocks of
     * the same examples' {@link LabeledData#toDataSets DataSets}.
     */
    static WorkerShard shard(LabeledData data, int classes, int[] positions, int workers, int w, int batchSize) {
        int n = data.size();
        if (positions.length != n) {
            throw new IllegalStateException("positions for " + positions.length + " examples, the data has " + n);
        }
        int count = 0;
        for (int p : positions) {
            if (p % workers == w) {
                count++;
            }
        }
        int fLen = data.features();
        float[] f = new float[Math.toIntExact((long) count * fLen)];
        float[] l = new float[Math.toIntExact((long) count * classes)];
        for (int i = 0; i < n; i++) {
            int p = positions[i];
            if (p % workers != w) {
                continue;
            }
            int s = p / workers;
            data.copyFeatures(i, f, s * fLen);
            l[s * classes + data.classOf(i, classes)] = 1f;
        }
        return WorkerShard.ofRows(w, count, new long[] {fLen}, fLen, classes, f, l, batchSize);
    }

    /** Cuts a block into one piece per worker that receives any of its rows. */
    static List<Tuple2<Integer, ShardPiece>> cut(ExampleBlock block, long firstIndex, int[] positions, int workers) {
        List<Tuple2<Integer, ShardPiece>> out = new ArrayList<>();
        if (block.count == 0) {
            return out;
        }
        int[] perWorker = new int[workers];
        int first = Math.toIntExact(firstIndex);
        for (int i = 0; i < block.count; i++) {
            perWorker[positions[first + i] % workers]++;
        }
        int fLen = block.featureLength;
        int lLen = block.labelLength;
        int[][] slots = new int[workers][];
        float[][] fs = new float[workers][];
        float[][] ls = new float[workers][];
        for (int w = 0; w < workers; w++) {
            slots[w] = new int[perWorker[w]];
            fs[w] = new float[perWorker[w] * fLen];
            ls[w] = new float[perWorker[w] * lLen];
        }
        int[] at = new int[workers];
        for (int i = 0; i < block.count; i++) {
            int p = positions[first + i];
            int w = p % workers;
            int k = at[w]++;
            slots[w][k] = p / workers;
            System.arraycopy(block.features, i * fLen, fs[w], k * fLen, fLen);
            System.arraycopy(block.labels, i * lLen, ls[w], k * lLen, lLen);
        }
        for (int w = 0; w < workers; w++) {
            if (perWorker[w] > 0) {
                out.add(new Tuple2<>(w, new ShardPiece(slots[w], block.featureShape, fLen, lLen, fs[w], ls[w])));
            }
        }
        return out;
    }
}
