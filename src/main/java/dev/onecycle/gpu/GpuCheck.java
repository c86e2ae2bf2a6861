package dev.onecycle.gpu;

import dev.onecycle.data.LabeledData;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * What {@code onecycle gpu-check} does: trains a few minibatches of the default model
 * ({@link FashionMlp}, its own fixed Nesterov LR 0.01 / momentum 0.9, L2 1e-4) with ND4J on each visible CUDA
 * device (each on its own thread bound with {@link DeviceBinding}, as a Spark task would be) or, on the CPU
 * backend, on the CPU, and compares every minibatch's score and every parameter after the last one with the same
 * training done in double precision in plain Java on the CPU ({@link ReferenceMlp}), within a tolerance.
 */
public final class GpuCheck {
    /** The model's own updater settings ({@link FashionMlp}). */
    static final double LR = 0.01;
    static final double MOMENTUM = 0.9;
    static final double L2 = 1e-4;

    private GpuCheck() {
    }

    /** ND4J's backend, as loaded in this JVM. */
    public record Backend(String name, boolean cpu, int devices) {
    }

    /** A device ND4J sees. */
    public record Device(int index, String name, int major, int minor, long totalMemory) {
        public String describe() {
            return String.format(Locale.ROOT, "gpu:%d %s (compute capability %d.%d, %.1f GB)", index, name, major,
                    minor, totalMemory / 1e9);
        }
    }

    /** The result on one device: the largest differences from the Java reference. */
    public record Result(String device, int batches, double firstScore, double lastScore, double maxScoreDiff,
            double maxParamDiff, double tolerance) {
        public boolean matches() {
            return maxScoreDiff <= tolerance && maxParamDiff <= tolerance;
        }
    }

    /** A device that failed to run the check (CUDA error, a binding that did not take, ...). */
    public static final class DeviceFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DeviceFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Loads ND4J (throws whatever its backend loading throws: missing CUDA libraries, no device, ...). */
    public static Backend backend() {
        boolean cpu = Nd4j.getEnvironment().isCPU();
        return new Backend(Nd4j.getBackend().getClass().getSimpleName(), cpu,
                cpu ? 0 : Nd4j.getAffinityManager().getNumberOfDevices());
    }

    /** What ND4J's native layer reports for CUDA device {@code i}. */
    public static Device device(int i) {
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        return new Device(i, ops.getDeviceName(i), ops.getDeviceMajor(i), ops.getDeviceMinor(i),
                ops.getDeviceTotalMemory(i));
    }

    /**
     * Trains {@code data} (one minibatch per element) on CUDA device {@code device} (or, for -1, the CPU backend's
     * CPU) on a fresh thread, and compares with the Java reference.
     */
    public static Result run(int device, List<DataSet> data, int hidden, long seed, double tolerance) {
        AtomicReference<Object> out = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                out.set(runHere(device, data, hidden, seed, tolerance));
            } catch (Throwable e) {
                out.set(e);
            }
        }, "gpu-check-" + (device < 0 ? "cpu" : "gpu" + device));
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceFailure("interrupted", e);
        }
        if (out.get() instanceof Throwable e) {
            throw e instanceof DeviceFailure f ? f : new DeviceFailure(rootMessage(e), e);
        }
        return (Result) out.get();
    }

    private static Result runHere(int device, List<DataSet> data, int hidden, long seed, double tolerance) {
        String label = device < 0 ? DeviceBinding.CPU
                : DeviceBinding.bind(List.of(String.valueOf(device)), Nd4jDevices.INSTANCE);
        int inputs = (int) data.get(0).getFeatures().size(1);
        int classes = (int) data.get(0).getLabels().size(1);
        Network net = FashionMlp.create(inputs, hidden, classes, seed);
        MultiLayerNetwork mln = (MultiLayerNetwork) net.model();
        if (device >= 0) {
            int where = Nd4j.getAffinityManager().getDeviceForArray(mln.params());
            if (where != device) {
                throw new DeviceFailure("the model's parameters were allocated on device " + where
                        + ", not on device " + device + " this thread is bound to", null);
            }
        }
        ReferenceMlp ref = new ReferenceMlp(matrix(mln, "0_W"), vector(mln, "0_b"), matrix(mln, "1_W"),
                vector(mln, "1_b"), LR, MOMENTUM, L2);
        double maxScore = 0;
        double first = Double.NaN;
        double last = Double.NaN;
        for (DataSet batch : data) {
            net.fit(batch);
            double score = mln.score();
            double expected = ref.fit(batch.getFeatures().toDoubleMatrix(), labels(batch.getLabels()));
            maxScore = Math.max(maxScore, relative(score, expected));
            first = Double.isNaN(first) ? score : first;
            last = score;
            if (!Double.isFinite(score)) {
                throw new DeviceFailure("the loss is " + score + " after " + data.indexOf(batch) + " minibatches", null);
            }
        }
        double maxParam = 0;
        maxParam = Math.max(maxParam, maxDiff(matrix(mln, "0_W"), ref.w1));
        maxParam = Math.max(maxParam, maxDiff(new double[][] {vector(mln, "0_b")}, new double[][] {ref.b1}));
        maxParam = Math.max(maxParam, maxDiff(matrix(mln, "1_W"), ref.w2));
        maxParam = Math.max(maxParam, maxDiff(new double[][] {vector(mln, "1_b")}, new double[][] {ref.b2}));
        return new Result(label, data.size(), first, last, maxScore, maxParam, tolerance);
    }

    /** Minibatches of the first {@code batches * batchSize} examples, labels one-hot over {@code classes}. */
    public static List<DataSet> minibatches(LabeledData train, int classes, int batches, int batchSize) {
        List<DataSet> all = train.head(batches * batchSize).toDataSets(batchSize, classes);
        return new ArrayList<>(all.subList(0, Math.min(batches, all.size())));
    }

    /** |a - b| / max(1, |b|). */
    static double relative(double a, double b) {
        double d = Math.abs(a - b) / Math.max(1, Math.abs(b));
        return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
    }

    private static double maxDiff(double[][] a, double[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, relative(a[i][j], b[i][j]));
            }
        }
        return max;
    }

    private static double[][] matrix(MultiLayerNetwork net, String name) {
        return net.getParam(name).toDoubleMatrix();
    }

    private static double[] vector(MultiLayerNetwork net, String name) {
        return net.getParam(name).toDoubleVector();
    }

    private static int[] labels(INDArray oneHot) {
        return oneHot.argMax(1).toIntVector();
    }

    /** The innermost cause's message (or class name): ND4J wraps CUDA errors in several layers. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        String first = m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip().split("\\R", 2)[0];
        return t instanceof UnsatisfiedLinkError || t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError
                ? t.getClass().getSimpleName() + ": " + first : first;
    }
}
