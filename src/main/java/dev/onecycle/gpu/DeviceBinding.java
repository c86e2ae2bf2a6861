package dev.onecycle.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * Binds the current thread's ND4J device to the GPU Spark assigned to the task, and names the device for the
 * {@code device} column of {@code applied-schedule.csv}:
 * <ul>
 * <li>{@code cpu}: no GPU assigned, ND4J's CPU backend (nothing is done, as before GPU support);</li>
 * <li>{@code gpu:N(unassigned)}: no GPU assigned, but ND4J runs its CUDA backend: nothing is bound, and the task
 * computes on the device ND4J's thread is on, N (device 0 unless something else chose one);</li>
 * <li>{@code gpu:N}: Spark assigned address N and ND4J's CUDA backend now computes on CUDA device N;</li>
 * <li>{@code cpu(assigned-gpu:N)}: Spark assigned address N, but ND4J runs its CPU backend (nothing to bind:
 * the work ran on the CPU);</li>
 * <li>{@code gpu:N(assigned-gpu:N+M)}: Spark assigned several addresses; one ND4J thread computes on one device,
 * the first of them (ask for {@code spark.task.resource.gpu.amount 1} so none sits idle).</li>
 * </ul>
 * Addresses must be CUDA device indices ({@code 0}, {@code 1}, ...), as {@code conf/gpu-discovery.sh} prints.
 */
public final class DeviceBinding {
    public static final String CPU = "cpu";

    private DeviceBinding() {
    }

    /**
     * Binds ND4J's current thread to the first of {@code addresses} (Spark's GPU addresses for the task; null or
     * empty: none) and returns the device label.
     *
     * @throws GpuBindingException for an address that is not a device index or one ND4J does not see
     */
    public static String bind(List<String> addresses, DeviceBackend nd4j) {
        return bind(addresses, nd4j, GpuSupport::hostGpus, System.getenv());
    }

    /**
     * {@link #bind(List, DeviceBackend)} with the host's GPUs from {@code hostGpus} (nvidia-smi's list; asked only
     * on the CUDA backend): a task whose GPU the CUDA build cannot run (compute capability 9.0+: H100, H200) is
     * refused with {@link GpuSupport#unsupportedLine} before any kernel is tried.
     */
    public static String bind(List<String> addresses, DeviceBackend nd4j,
            java.util.function.Supplier<List<GpuSupport.Gpu>> hostGpus, java.util.Map<String, String> env) {
        if (!nd4j.isCpuBackend()) {
            int device = addresses == null || addresses.isEmpty() ? nd4j.currentDevice() : parseAddress(addresses.get(0));
            GpuSupport.Gpu gpu = GpuSupport.cudaDevice(device, hostGpus.get(), env);
            if (gpu != null && !gpu.runsCudaBuild()) {
                throw new GpuBindingException("this executor's " + GpuSupport.unsupportedLine(gpu));
            }
        }
        if (addresses == null || addresses.isEmpty()) {
            return unassigned(nd4j);
        }
        List<Integer> devices = new ArrayList<>();
        for (String a : addresses) {
            devices.add(parseAddress(a));
        }
        String assigned = "assigned-gpu:" + String.join("+", devices.stream().map(String::valueOf).toList());
        if (nd4j.isCpuBackend()) {
            return CPU + "(" + assigned + ")";
        }
        int device = devices.get(0);
        int count = nd4j.deviceCount();
        if (device >= count) {
            throw new GpuBindingException("Spark assigned GPU address " + device + " to this task, but ND4J's CUDA "
                    + "backend sees " + (count == 0 ? "no device" : count + " device(s) (0.." + (count - 1) + ")")
                    + ": the discovery script's addresses must be CUDA device indices as this process sees them "
                    + "(is CUDA_VISIBLE_DEVICES set for the executor?)");
        }
        nd4j.useDevice(device);
        int now = nd4j.currentDevice();
        if (now != device) {
            throw new GpuBindingException("binding this task to CUDA device " + device + " failed: ND4J's thread "
                    + "is still on device " + now);
        }
        return "gpu:" + device + (devices.size() > 1 ? "(" + assigned + ")" : "");
    }

    /** The label of a task without a GPU assignment: nothing is bound ({@code cpu} on the CPU backend). */
    public static String unassigned(DeviceBackend nd4j) {
        return nd4j.isCpuBackend() ? CPU : "gpu:" + nd4j.currentDevice() + "(unassigned)";
    }

    /** A Spark GPU address as a CUDA device index: a non-negative integer. */
    public static int parseAddress(String address) {
        String a = address == null ? "" : address.strip();
        if (!a.matches("[0-9]{1,9}")) {
            throw new GpuBindingException("Spark assigned GPU address '" + address + "' to this task: not a CUDA "
                    + "device index (expected 0, 1, ...); check the GPU discovery script "
                    + "(spark.{worker,executor}.resource.gpu.discoveryScript), e.g. conf/gpu-discovery.sh");
        }
        return Integer.parseInt(a);
    }
}
