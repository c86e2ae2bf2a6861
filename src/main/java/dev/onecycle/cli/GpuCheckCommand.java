package dev.onecycle.cli;

import dev.onecycle.data.FashionMnist;
import dev.onecycle.gpu.GpuCheck;
import dev.onecycle.gpu.GpuSupport;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code onecycle gpu-check}: reports ND4J's backend and CUDA devices, trains a few minibatches of the default
 * model on each visible GPU (each on a thread bound to it as a Spark task's would be) and compares them with the
 * same training done on the CPU by a double-precision Java reference. Exit codes: {@value #EXIT_NO_GPU} when
 * there is no GPU (CPU backend, or no CUDA device; the check then runs on the CPU), 1 when the backend does not
 * load or a GPU fails or differs, 2 for a bad flag, 0 when every GPU matches.
 */
@Command(name = "gpu-check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check ND4J's GPU backend on this machine (or an executor host): report the backend and its "
            + "CUDA devices, train a few minibatches of the default model (FashionMlp on the shipped Fashion-MNIST "
            + "sample) on each visible GPU and compare every minibatch's loss and every parameter with the same "
            + "training done on the CPU in double precision, within --tolerance (|gpu - cpu| / max(1, |cpu|)).",
            "",
            "Exit codes: 0 every GPU ran and matched; 1 ND4J's backend did not load (e.g. CUDA libraries missing), "
            + "a GPU was unusable or differed; 2 bad flag; 3 no GPU: ND4J runs its CPU backend (a jar built without "
            + "-P cuda) or sees no CUDA device; the check then runs on the CPU and says so (--no-gpu-ok makes that 0).",
            ""},
        footer = {"", "Run it with the classpath the executors get, e.g. after mvn -P cuda,!cpu -DskipTests package: "
            + "spark-submit/onecycle gpu-check"})
public final class GpuCheckCommand implements Callable<Integer> {
    /** Exit code: the check ran, but on the CPU: there is no GPU to check. */
    public static final int EXIT_NO_GPU = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--batches", paramLabel = "N", defaultValue = "5", converter = Converters.WholeNumber.class,
            description = "Minibatches to train on each device (default: ${DEFAULT-VALUE}).")
    int batches;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", converter = Converters.WholeNumber.class,
            description = "Examples per minibatch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--hidden", paramLabel = "UNITS", defaultValue = "256", converter = Converters.WholeNumber.class,
            description = "Hidden units of the model, as train --hidden (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42", description = "Model init seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tolerance", paramLabel = "X", defaultValue = "1e-4", converter = Converters.Number.class,
            description = "Largest accepted |gpu - cpu| / max(1, |cpu|) (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--no-gpu-ok", description = "Exit 0 instead of " + EXIT_NO_GPU + " when there is no GPU.")
    boolean noGpuOk;

    @Override
    public Integer call() throws IOException {
        positive("--batches", batches);
        positive("--batch-size", batchSize);
        positive("--hidden", hidden);
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new CliErrors.UsageException("--tolerance", "must be a finite number >= 0, got " + tolerance);
        }
        PrintWriter out = spec.commandLine().getOut();
        GpuCheck.Backend backend;
        try {
            backend = GpuCheck.backend();
        } catch (Throwable e) {
            throw new CliErrors.FailureException("gpu-check: ND4J could not load its backend (" + GpuCheck.rootMessage(e)
                    + "); the CUDA backend needs an NVIDIA driver for CUDA 11.6 and the CUDA 11.6 libraries "
                    + "(libcudart.so.11.0, libcublas.so.11, ...) on the library path: see docs/gpus.md",
                    null);
        }
        // what nvidia-smi lists, with whether the CUDA build runs each (its kernels are not tried on one it cannot)
        List<GpuSupport.Gpu> hostGpus = GpuSupport.visible(GpuSupport.hostGpus(), System.getenv());
        for (GpuSupport.Gpu g : hostGpus) {
            out.println("nvidia-smi: " + g.describe() + ": " + (g.runsCudaBuild() ? "runs " + GpuSupport.BACKEND
                    : "cannot run " + GpuSupport.BACKEND));
        }
        GpuSupport.Gpu unsupported = GpuSupport.firstUnsupported(hostGpus);
        if (unsupported != null && !backend.cpu()) {
            out.flush();
            throw new CliErrors.FailureException("gpu-check: " + GpuSupport.unsupportedLine(unsupported), null);
        }
        FashionMnist data = FashionMnist.sample();
        List<DataSet> minibatches = GpuCheck.minibatches(data.train(), 10, batches, batchSize);
        out.printf(Locale.ROOT, "ND4J backend: %s (%s)%n", backend.name(),
                backend.cpu() ? "CPU, nd4j-native" : "CUDA, " + backend.devices() + " device(s)");
        out.printf(Locale.ROOT, "check: %d minibatches of %d examples of the shipped Fashion-MNIST sample, FashionMlp "
                + "784-%d-10 (seed %d), against the same training in double precision on the CPU; tolerance %s "
                + "(|nd4j - cpu| / max(1, |cpu|), every minibatch's loss and every parameter)%n", minibatches.size(),
                batchSize, hidden, seed, tolerance);
        out.flush();
        if (backend.cpu() || backend.devices() == 0) {
            GpuCheck.Result r = runOrFail(-1, "cpu", minibatches);
            report(out, r);
            if (!r.matches()) {
                throw new CliErrors.FailureException("gpu-check: ND4J's CPU result differs from the reference: "
                        + differences(r), null);
            }
            String why = backend.cpu() ? "ND4J runs its CPU backend (this build has no nd4j-cuda; build with "
                    + "mvn -P cuda,!cpu -DskipTests package)" : "ND4J's CUDA backend sees no device";
            String line = "gpu-check: no GPU: " + why + "; the check ran on the CPU only"
                    + (unsupported == null ? "" : "; keep the CPU build on this host: " + GpuSupport.unsupportedLine(
                            unsupported));
            if (noGpuOk) {
                out.println(line);
                out.flush();
                return Main.EXIT_OK;
            }
            PrintWriter err = spec.commandLine().getErr();
            err.println(CliErrors.PREFIX + line + " (exit " + EXIT_NO_GPU + ")");
            err.flush();
            return EXIT_NO_GPU;
        }
        List<GpuCheck.Device> devices = new ArrayList<>();
        for (int i = 0; i < backend.devices(); i++) {
            GpuCheck.Device d = GpuCheck.device(i);
            devices.add(d);
            out.println("device " + d.describe());
        }
        out.flush();
        List<String> bad = new ArrayList<>();
        for (GpuCheck.Device d : devices) {
            GpuCheck.Result r;
            try {
                r = GpuCheck.run(d.index(), minibatches, hidden, seed, tolerance);
            } catch (RuntimeException e) {
                bad.add(d.describe() + " is unusable: " + GpuCheck.rootMessage(e) + hint(d));
                out.println("gpu:" + d.index() + ": FAILED: " + GpuCheck.rootMessage(e));
                continue;
            }
            report(out, r);
            if (!r.matches()) {
                bad.add(d.describe() + " differs from the CPU: " + differences(r));
            }
        }
        out.flush();
        if (!bad.isEmpty()) {
            throw new CliErrors.FailureException("gpu-check: " + String.join("; ", bad), null);
        }
        out.println("gpu-check: OK: " + devices.size() + " GPU(s) match the CPU");
        out.flush();
        return Main.EXIT_OK;
    }

    private GpuCheck.Result runOrFail(int device, String label, List<DataSet> minibatches) {
        try {
            return GpuCheck.run(device, minibatches, hidden, seed, tolerance);
        } catch (RuntimeException e) {
            throw new CliErrors.FailureException("gpu-check: the run on " + label + " failed: "
                    + GpuCheck.rootMessage(e), null);
        }
    }

    private static void report(PrintWriter out, GpuCheck.Result r) {
        out.printf(Locale.ROOT, "%s: loss %.4f -> %.4f over %d minibatches; max difference from the CPU: loss %.2e, "
                + "parameters %.2e: %s%n", r.device(), r.firstScore(), r.lastScore(), r.batches(), r.maxScoreDiff(),
                r.maxParamDiff(), r.matches() ? "OK" : "DIFFERS");
    }

    private static String differences(GpuCheck.Result r) {
        return String.format(Locale.ROOT, "max loss difference %.2e, max parameter difference %.2e, tolerance %.2e",
                r.maxScoreDiff(), r.maxParamDiff(), r.tolerance());
    }

    /** Why a device may not run nd4j-cuda-11.6's kernels (docs/gpus.md). */
    private static String hint(GpuCheck.Device d) {
        if (d.major() >= 9) {
            return " (nd4j-cuda-11.6 1.0.0-M2.1 ships kernels for compute capability 3.7 to 8.6 and no PTX: "
                    + "compute capability " + d.major() + "." + d.minor() + " cannot run them; see docs/gpus.md)";
        }
        if (d.major() < 3 || (d.major() == 3 && d.minor() < 7)) {
            return " (nd4j-cuda-11.6 1.0.0-M2.1 ships kernels for compute capability 3.7 and newer)";
        }
        return "";
    }

    private static void positive(String flag, int value) {
        if (value <= 0) {
            throw new CliErrors.UsageException(flag, "must be > 0, got " + value);
        }
    }
}
