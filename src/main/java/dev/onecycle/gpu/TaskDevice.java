package dev.onecycle.gpu;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The executor side's one entry point: {@link #bindCurrentTask()} at the start of a task, before it builds or
 * touches any ND4J array, binds ND4J to the GPU Spark assigned to the task and returns the device label
 * (see {@link DeviceBinding}). Spark does not set {@code CUDA_VISIBLE_DEVICES} per task: without this every
 * task of a multi-GPU executor or node would compute on device 0.
 */
public final class TaskDevice {
    /** The name Spark's resource scheduling uses for GPUs ({@code spark.task.resource.gpu.amount}). */
    public static final String GPU = "gpu";

    private TaskDevice() {
    }

    /** Where the current task's GPU addresses come from (Spark's {@link TaskContext} in production). */
    @FunctionalInterface
    public interface TaskResources {
        /** The GPU addresses assigned to the current task; empty when none (or when not in a task). */
        List<String> gpuAddresses();
    }

    /** Spark: {@code TaskContext.get().resources().get("gpu").addresses()}; empty outside a task. */
    public static final TaskResources SPARK = () -> {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return List.of();
        }
        Map<String, ResourceInformation> resources = task.resourcesJMap();
        ResourceInformation gpu = resources == null ? null : resources.get(GPU);
        return gpu == null ? List.of() : Arrays.asList(gpu.addresses());
    };

    /**
     * Binds the current Spark task's ND4J thread to its assigned GPU; returns {@code cpu}, {@code gpu:N}, ... (see
     * {@link DeviceBinding}). Without an assignment nothing is bound.
     */
    public static String bindCurrentTask() {
        return bindCurrentTask(SPARK, Nd4jDevices.INSTANCE);
    }

    /** {@link #bindCurrentTask()} with the given sources (for tests). */
    public static String bindCurrentTask(TaskResources task, DeviceBackend nd4j) {
        return DeviceBinding.bind(task.gpuAddresses(), nd4j); // no assignment: nothing bound, as without GPU support
    }
}
