package dev.onecycle.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * How examples are spread over workers each epoch: a permutation seeded by (seed, epoch) puts example
 * {@code i} at position {@code p}; position {@code p} goes to worker {@code p % workers}, in slot
 * {@code p / workers}. Every example is trained once per epoch, workers differ by at most one example, and
 * a resumed epoch sees the same examples in the same order.
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

    /** The epoch's shards: partition {@code w} holds exactly one {@link WorkerShard}, the one of worker w. */
    public static JavaRDD<WorkerShard> shards(JavaPairRDD<Long, Example> indexed, Broadcast<int[]> positions,
            int workers, int batchSize) {
        return indexed.mapToPair(t -> {
            int p = positions.value()[Math.toIntExact(t._1())];
            return new Tuple2<>(p % workers, new Tuple2<>(p / workers, t._2()));
        }).partitionBy(new HashPartitioner(workers)).mapPartitionsWithIndex((worker, it) -> {
            List<Tuple2<Integer, Example>> slots = new ArrayList<>();
            it.forEachRemaining(kv -> slots.add(kv._2()));
            slots.sort(Comparator.comparingInt(Tuple2::_1));
            List<Example> examples = new ArrayList<>(slots.size());
            for (Tuple2<Integer, Example> s : slots) {
                examples.add(s._2());
            }
            return List.of(new WorkerShard(worker, examples, batchSize)).iterator();
        }, true);
    }
}
