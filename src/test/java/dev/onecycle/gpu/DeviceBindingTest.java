package dev.onecycle.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceBindingTest {

    /** An affinity manager with {@code devices} CUDA devices (or the CPU backend) that records every switch. */
    static class FakeNd4j implements DeviceBackend {
        final boolean cpu;
        final int devices;
        int current;
        final List<Integer> switches = new ArrayList<>();

        FakeNd4j(boolean cpu, int devices) {
            this.cpu = cpu;
            this.devices = devices;
        }

        @Override
        public boolean isCpuBackend() {
            return cpu;
        }

        @Override
        public int deviceCount() {
            return devices;
        }

        @Override
        public int currentDevice() {
            return current;
        }

        @Override
        public void useDevice(int device) {
            switches.add(device);
            current = device;
        }
    }

    @Test
    void noAssignmentOnTheCpuBackendBindsNothingAndSaysCpu() {
        FakeNd4j nd4j = new FakeNd4j(true, 1);
        assertEquals("cpu", TaskDevice.bindCurrentTask(List::of, nd4j));
        assertEquals("cpu", TaskDevice.bindCurrentTask(() -> null, nd4j));
        assertEquals("cpu", DeviceBinding.bind(List.of(), nd4j));
        assertEquals(List.of(), nd4j.switches, "nothing bound without a GPU assignment");
    }

    @Test
    void noAssignmentOnTheCudaBackendBindsNothingAndSaysWhichDeviceItComputesOn() {
        FakeNd4j nd4j = new FakeNd4j(false, 4);
        assertEquals("gpu:0(unassigned)", TaskDevice.bindCurrentTask(List::of, nd4j));
        nd4j.current = 3;
        assertEquals("gpu:3(unassigned)", DeviceBinding.bind(null, nd4j));
        assertEquals(List.of(), nd4j.switches, "nothing bound without a GPU assignment");
    }

    @Test
    void oneAddressBindsThatCudaDevice() {
        FakeNd4j nd4j = new FakeNd4j(false, 4);
        assertEquals("gpu:2", TaskDevice.bindCurrentTask(() -> List.of("2"), nd4j));
        assertEquals(List.of(2), nd4j.switches);
        assertEquals(2, nd4j.current);
    }

    @Test
    void aReusedThreadIsRebound() {
        FakeNd4j nd4j = new FakeNd4j(false, 2);
        assertEquals("gpu:1", DeviceBinding.bind(List.of("1"), nd4j));
        assertEquals("gpu:0", DeviceBinding.bind(List.of("0"), nd4j));
        assertEquals(List.of(1, 0), nd4j.switches);
    }

    @Test
    void addressesAreParsedAsDeviceIndices() {
        assertEquals(0, DeviceBinding.parseAddress("0"));
        assertEquals(7, DeviceBinding.parseAddress(" 7 "));
        assertEquals(12, DeviceBinding.parseAddress("12"));
    }

    @Test
    void severalAddressesBindTheFirstAndNameAll() {
        FakeNd4j nd4j = new FakeNd4j(false, 4);
        assertEquals("gpu:3(assigned-gpu:3+1)", DeviceBinding.bind(List.of("3", "1"), nd4j));
        assertEquals(List.of(3), nd4j.switches);
    }

    @Test
    void aNonNumericAddressIsAClearError() {
        for (String bad : List.of("GPU-6f1c2b3a", "-1", "", "1.5", "0x1")) {
            FakeNd4j nd4j = new FakeNd4j(false, 2);
            GpuBindingException e = assertThrows(GpuBindingException.class,
                    () -> DeviceBinding.bind(List.of(bad), nd4j));
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("not a CUDA device index")
                    && e.getMessage().contains("discoveryScript"), e.getMessage());
            assertEquals(List.of(), nd4j.switches, "nothing bound for " + bad);
        }
        FakeNd4j cpu = new FakeNd4j(true, 1);
        assertThrows(GpuBindingException.class, () -> DeviceBinding.bind(List.of("0", "gpu1"), cpu),
                "also on the CPU backend, and for any of several addresses");
    }

    @Test
    void anAddressNd4jDoesNotSeeIsAClearError() {
        FakeNd4j nd4j = new FakeNd4j(false, 2);
        GpuBindingException e = assertThrows(GpuBindingException.class, () -> DeviceBinding.bind(List.of("2"), nd4j));
        assertTrue(e.getMessage().contains("sees 2 device(s) (0..1)") && e.getMessage().contains("CUDA_VISIBLE_DEVICES"),
                e.getMessage());
        assertEquals(List.of(), nd4j.switches);
    }

    @Test
    void aBindingThatDoesNotTakeIsAnError() {
        FakeNd4j stuck = new FakeNd4j(false, 2) {
            @Override
            public void useDevice(int device) {
                switches.add(device); // current stays 0
            }
        };
        GpuBindingException e = assertThrows(GpuBindingException.class, () -> DeviceBinding.bind(List.of("1"), stuck));
        assertTrue(e.getMessage().contains("still on device 0"), e.getMessage());
    }

    @Test
    void cpuBackendBindsNothingAndSaysCpuWithTheAssignment() {
        FakeNd4j nd4j = new FakeNd4j(true, 1);
        assertEquals("cpu(assigned-gpu:1)", DeviceBinding.bind(List.of("1"), nd4j));
        assertEquals("cpu(assigned-gpu:0+1)", DeviceBinding.bind(List.of("0", "1"), nd4j));
        assertEquals("cpu", DeviceBinding.bind(List.of(), nd4j));
        assertEquals(List.of(), nd4j.switches, "the CPU backend has no device to bind");
    }

    @Test
    void theRealNd4jHereIsTheCpuBackendAndAFakeAddressDoesNotFail() {
        assertTrue(Nd4jDevices.INSTANCE.isCpuBackend(), "these tests run on nd4j-native");
        assertEquals("cpu(assigned-gpu:1)", TaskDevice.bindCurrentTask(() -> List.of("1"), Nd4jDevices.INSTANCE));
        assertEquals("cpu", TaskDevice.bindCurrentTask(), "outside a Spark task: no assignment");
    }
}
