package dev.onecycle.gpu;

/**
 * What binding a task to a GPU needs from ND4J, behind an interface so the logic in {@link DeviceBinding} is
 * tested without ND4J's CUDA backend ({@link Nd4jDevices} is the real one).
 */
public interface DeviceBackend {
    /** True when ND4J runs on the CPU backend (nd4j-native): there is no device to bind. */
    boolean isCpuBackend();

    /** The CUDA devices ND4J sees (indices {@code 0 .. deviceCount() - 1}). */
    int deviceCount();

    /** The device ND4J's current thread works on. */
    int currentDevice();

    /** Makes ND4J's current thread work on {@code device}; arrays built afterwards on this thread live there. */
    void useDevice(int device);
}
