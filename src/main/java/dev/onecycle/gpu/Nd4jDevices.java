package dev.onecycle.gpu;

import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link DeviceBackend} on ND4J: the backend's environment and its affinity manager. On the CUDA backend
 * {@link AffinityManager#unsafeSetDevice} sets the thread's CUDA device (what ND4J's own
 * {@code replicateToDevice} does); before switching a thread that already worked on another device (Spark
 * reuses task threads) its workspaces and CUDA context are released, so nothing it allocates later stays on the
 * old device. On the CPU backend nothing is bound ({@link DeviceBinding} does not call {@link #useDevice}).
 */
public final class Nd4jDevices implements DeviceBackend {
    public static final Nd4jDevices INSTANCE = new Nd4jDevices();

    private Nd4jDevices() {
    }

    @Override
    public boolean isCpuBackend() {
        return Nd4j.getEnvironment().isCPU();
    }

    @Override
    public int deviceCount() {
        return Nd4j.getAffinityManager().getNumberOfDevices();
    }

    @Override
    public int currentDevice() {
        return Nd4j.getAffinityManager().getDeviceForCurrentThread();
    }

    @Override
    public void useDevice(int device) {
        AffinityManager affinity = Nd4j.getAffinityManager();
        if (affinity.getDeviceForCurrentThread() != device) {
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
            Nd4j.getMemoryManager().releaseCurrentContext();
            affinity.unsafeSetDevice(device);
        }
    }
}
