package dev.onecycle.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Which GPUs the CUDA backend of this build can run, known before any ND4J kernel is tried.
 * {@code nd4j-cuda-11.6} 1.0.0-M2.1 ships machine code (cubins) for compute capability 3.7, 5.0, 5.2, 6.0, 6.1,
 * 7.0, 7.5, 8.0 and 8.6 and no PTX: a GPU runs it when a cubin of its major version with a minor version at most
 * its own exists (8.9 runs the 8.6 code); Hopper (9.0: H100, H200) and newer cannot, every kernel fails with "no
 * kernel image is available". The host's GPUs come from {@code nvidia-smi --query-gpu=index,compute_cap,name
 * --format=csv,noheader} (the {@code nvidia-smi} on the {@code PATH}; a fake one in the tests).
 */
public final class GpuSupport {
    /** The compute capabilities {@code nd4j-cuda-11.6} 1.0.0-M2.1 has machine code for (major * 10 + minor). */
    static final int[] CUBINS = {37, 50, 52, 60, 61, 70, 75, 80, 86};
    /** What runs the CUDA build, as messages say it. */
    public static final String BACKEND = "nd4j-cuda-11.6 1.0.0-M2.1";

    private GpuSupport() {
    }

    /** One GPU as nvidia-smi lists it; {@code major} is -1 when its compute capability is unknown. */
    public record Gpu(int index, String name, int major, int minor) {
        public boolean capabilityKnown() {
            return major >= 0;
        }

        /** True when {@link GpuSupport#BACKEND}'s kernels run on it (true when unknown: nothing to go on). */
        public boolean runsCudaBuild() {
            return !capabilityKnown() || GpuSupport.runs(major, minor);
        }

        public String describe() {
            return "GPU " + index + " " + name + (capabilityKnown() ? " (compute capability " + major + "." + minor
                    + ")" : " (compute capability unknown)");
        }
    }

    /** True when a cubin of {@code major}'s version with a minor version <= {@code minor} exists. */
    public static boolean runs(int major, int minor) {
        for (int c : CUBINS) {
            if (c / 10 == major && c % 10 <= minor) {
                return true;
            }
        }
        return false;
    }

    /**
     * The one line for a GPU the CUDA build cannot run, with what to do: {@code GPU 0 NVIDIA H200 (compute
     * capability 9.0) cannot run nd4j-cuda-11.6 ...; use the CPU build ... or a libnd4j built for sm_90}.
     */
    public static String unsupportedLine(Gpu gpu) {
        return gpu.describe() + " cannot run " + BACKEND + " (machine code for compute capability 3.7 to 8.6 only, "
                + "no PTX: its kernels would fail with \"no kernel image is available\"); use the CPU build (mvn "
                + "-DskipTests package, the default cpu profile) on this host, or a libnd4j built from source for "
                + String.format(Locale.ROOT, "sm_%d%d", gpu.major(), gpu.minor()) + " (see docs/gpus.md)";
    }

    /**
     * Parses {@code nvidia-smi --query-gpu=index,compute_cap,name --format=csv,noheader} output: one line per GPU,
     * {@code 0, 9.0, NVIDIA H200}. Lines that are not of that shape (an old driver's "Field ... is not a valid
     * field") are skipped; a capability that is not {@code M.m} is unknown.
     */
    public static List<Gpu> parse(String csv) {
        List<Gpu> out = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            String[] f = line.split(",", 3);
            if (f.length < 3 || !f[0].strip().matches("[0-9]{1,6}")) {
                continue;
            }
            int major = -1;
            int minor = -1;
            String cap = f[1].strip();
            if (cap.matches("[0-9]{1,3}\\.[0-9]{1,3}")) {
                major = Integer.parseInt(cap.substring(0, cap.indexOf('.')));
                minor = Integer.parseInt(cap.substring(cap.indexOf('.') + 1));
            }
            out.add(new Gpu(Integer.parseInt(f[0].strip()), f[2].strip(), major, minor));
        }
        return out;
    }

    /**
     * The GPUs {@code nvidia-smi} (looked up on {@code path}, a PATH value) lists; empty when there is none, it
     * fails (no driver) or does not answer within 20 s.
     */
    public static List<Gpu> query(String path) {
        String exe = null;
        for (String dir : (path == null ? "" : path).split(java.io.File.pathSeparator)) {
            java.io.File f = new java.io.File(dir.isEmpty() ? "." : dir, "nvidia-smi");
            if (f.isFile() && f.canExecute()) {
                exe = f.getPath();
                break;
            }
        }
        if (exe == null) {
            return List.of();
        }
        ProcessBuilder pb = new ProcessBuilder(exe, "--query-gpu=index,compute_cap,name", "--format=csv,noheader")
                .redirectErrorStream(true);
        Process p = null;
        try {
            p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(1 << 16);
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return List.of();
            }
            return parse(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    private static volatile List<Gpu> hostGpus;

    /** {@link #query} on this process's PATH, once per JVM (an executor asks at every task). */
    public static List<Gpu> hostGpus() {
        List<Gpu> g = hostGpus;
        if (g == null) {
            g = List.copyOf(query(System.getenv("PATH")));
            hostGpus = g;
        }
        return g;
    }

    /**
     * The GPUs of {@code all} that CUDA lets this process use: those {@code CUDA_VISIBLE_DEVICES} names by index
     * (all when it is unset, or names GPUs by UUID).
     */
    public static List<Gpu> visible(List<Gpu> all, Map<String, String> env) {
        String v = env.get("CUDA_VISIBLE_DEVICES");
        if (v == null || !v.strip().matches("[0-9]+(\\s*,\\s*[0-9]+)*")) {
            return all;
        }
        List<Gpu> out = new ArrayList<>();
        for (String id : v.split(",")) {
            for (Gpu g : all) {
                if (g.index() == Integer.parseInt(id.strip())) {
                    out.add(g);
                }
            }
        }
        return out;
    }

    /** The first of {@code gpus} the CUDA build cannot run, or null. */
    public static Gpu firstUnsupported(List<Gpu> gpus) {
        for (Gpu g : gpus) {
            if (!g.runsCudaBuild()) {
                return g;
            }
        }
        return null;
    }

    /**
     * True when ND4J will load its CUDA backend in this JVM, read from the classpath without loading ND4J:
     * {@code nd4j-cuda} present, and not outranked by {@code nd4j-native} (ND4J picks the backend of the highest
     * priority: {@code BACKEND_PRIORITY_GPU}, default 100, against {@code BACKEND_PRIORITY_CPU}, default 0).
     */
    public static boolean cudaBuild(ClassLoader loader, Map<String, String> env) {
        boolean cuda = present(loader, "org.nd4j.linalg.jcublas.JCublasBackend");
        boolean cpu = present(loader, "org.nd4j.linalg.cpu.nativecpu.CpuBackend");
        return cuda && (!cpu || priority(env, "BACKEND_PRIORITY_GPU", 100) >= priority(env, "BACKEND_PRIORITY_CPU", 0));
    }

    private static boolean present(ClassLoader loader, String name) {
        try {
            Class.forName(name, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static int priority(Map<String, String> env, String name, int dflt) {
        try {
            return env.get(name) == null ? dflt : Integer.parseInt(env.get(name).strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /**
     * The check before any training on this host: with the CUDA build ({@code cuda}), the first visible GPU of
     * {@code gpus} its kernels cannot run, as {@link #unsupportedLine}; null when there is nothing to refuse (the
     * CPU build, no GPU, or only GPUs it runs).
     */
    public static String refusal(boolean cuda, List<Gpu> gpus, Map<String, String> env) {
        if (!cuda) {
            return null;
        }
        Gpu bad = firstUnsupported(visible(gpus, env));
        return bad == null ? null : unsupportedLine(bad);
    }

    /** {@link #refusal} for this JVM and host. */
    public static String hostRefusal() {
        boolean cuda = cudaBuild(GpuSupport.class.getClassLoader(), System.getenv());
        return cuda ? refusal(true, hostGpus(), System.getenv()) : null; // the CPU build never asks nvidia-smi
    }

    /**
     * The GPU CUDA numbers {@code device} in this process: the {@code device}-th of the {@link #visible} ones
     * (CUDA's order is nvidia-smi's for the usual identical GPUs of a node), or null when unknown.
     */
    public static Gpu cudaDevice(int device, List<Gpu> gpus, Map<String, String> env) {
        List<Gpu> v = visible(gpus, env);
        return device >= 0 && device < v.size() ? v.get(device) : null;
    }
}
