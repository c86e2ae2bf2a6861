package dev.onecycle.bench;

import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledData;
import dev.onecycle.data.TrainTestData;
import dev.onecycle.dl4j.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One DL4J training step against its matrix-multiply floor (issue 26): {@code MultiLayerNetwork.fit} of one
 * minibatch of 32 on one thread (as each onecycle-spark worker runs it), median wall and thread-CPU microseconds over STEPS
 * steps after a warm-up (CPU time: robust on a loaded machine), and, for the MLP, the floor: the 5 gemms a 784-256-10 step needs (forward 2, backward: 2 weight
 * gradients + 1 input gradient) through ND4J on the same shapes. Run with OMP_NUM_THREADS=1 and the JVM options and
 * native binary to compare (python/bench/run.sh steps).
 *
 * <pre>java ... dev.onecycle.bench.StepBenchmark mlp|lenet [STEPS]</pre>
 */
public final class StepBenchmark {
    private StepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String net = args.length > 0 ? args[0] : "mlp";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        LabeledData train = TrainTestData.of(FashionMnist.load(null, new Configuration())).train().head(32 * 200);
        List<DataSet> batches = train.toDataSets(32, 10);
        Network n = PeerBenchmark.network(net);
        for (int i = 0; i < 500; i++) {
            n.fit(batches.get(i % batches.size()));
        }
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] t = new long[steps];
        long[] c = new long[steps];
        for (int i = 0; i < steps; i++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            n.fit(batches.get(i % batches.size()));
            t[i] = System.nanoTime() - t0;
            c[i] = mx.getCurrentThreadCpuTime() - c0;
        }
        double step = median(t) / 1e3;
        double cpu = median(c) / 1e3;
        String floor = "";
        if (net.equals("mlp")) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 32, 784);
            INDArray w1 = Nd4j.rand(DataType.FLOAT, 784, 256);
            INDArray h = Nd4j.rand(DataType.FLOAT, 32, 256);
            INDArray w2 = Nd4j.rand(DataType.FLOAT, 256, 10);
            INDArray o = Nd4j.rand(DataType.FLOAT, 32, 10);
            INDArray h1 = Nd4j.create(DataType.FLOAT, 32, 256);
            INDArray o1 = Nd4j.create(DataType.FLOAT, 32, 10);
            INDArray g2 = Nd4j.create(DataType.FLOAT, 256, 10);
            INDArray g1 = Nd4j.create(DataType.FLOAT, 784, 256);
            INDArray dh = Nd4j.create(DataType.FLOAT, 32, 256);
            long[] f = new long[steps];
            for (int i = -500; i < steps; i++) {
                long t0 = mx.getCurrentThreadCpuTime();
                Nd4j.gemm(x, w1, h1, false, false, 1.0, 0.0);
                Nd4j.gemm(h, w2, o1, false, false, 1.0, 0.0);
                Nd4j.gemm(h, o, g2, true, false, 1.0, 0.0);
                Nd4j.gemm(o, w2, dh, false, true, 1.0, 0.0);
                Nd4j.gemm(x, dh, g1, true, false, 1.0, 0.0);
                if (i >= 0) {
                    f[i] = mx.getCurrentThreadCpuTime() - t0;
                }
            }
            double fl = median(f) / 1e3;
            floor = String.format(Locale.ROOT, ", \"gemm_floor_cpu_us\": %.1f, \"step_cpu_over_floor\": %.2f", fl, cpu / fl);
        }
        System.out.println(String.format(Locale.ROOT, "{\"network\": \"%s\", \"step_us\": %.1f, \"step_cpu_us\": %.1f%s, \"binary\": \"%s\"}", net,
                step, cpu, floor, System.getProperty("org.bytedeco.javacpp.platform.extension", "")));
        System.exit(0);
    }

    private static double median(long[] xs) {
        long[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
