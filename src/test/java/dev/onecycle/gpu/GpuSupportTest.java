package dev.onecycle.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which GPUs nd4j-cuda-11.6 1.0.0-M2.1 runs (cubins for 3.7..8.6, no PTX), told from nvidia-smi's answer before
 * any kernel: parsed from real output lines, asked of a fake nvidia-smi on a PATH, and an executor's task on an
 * H200 refused with the line (a fake CUDA backend: no GPU here).
 */
class GpuSupportTest {
    @TempDir
    Path tmp;

    private static final List<GpuSupport.Gpu> H200 = List.of(new GpuSupport.Gpu(0, "NVIDIA H200", 9, 0));

    @Test
    void computeCapabilitiesTheCubinsRun() {
        for (int[] ok : new int[][] {{3, 7}, {5, 0}, {5, 3}, {6, 1}, {7, 0}, {7, 5}, {8, 0}, {8, 6}, {8, 9}}) {
            assertTrue(GpuSupport.runs(ok[0], ok[1]), ok[0] + "." + ok[1]);
        }
        for (int[] no : new int[][] {{3, 5}, {2, 1}, {9, 0}, {10, 0}, {12, 0}}) {
            assertFalse(GpuSupport.runs(no[0], no[1]), no[0] + "." + no[1]);
        }
    }

    @Test
    void nvidiaSmiOutputIsParsed() {
        List<GpuSupport.Gpu> g = GpuSupport.parse("0, 9.0, NVIDIA H200\n1, 8.0, NVIDIA A100-SXM4-80GB\r\n"
                + "2, [N/A], Some GPU, with a comma\n");
        assertEquals(3, g.size());
        assertEquals(new GpuSupport.Gpu(0, "NVIDIA H200", 9, 0), g.get(0));
        assertEquals(new GpuSupport.Gpu(1, "NVIDIA A100-SXM4-80GB", 8, 0), g.get(1));
        assertFalse(g.get(2).capabilityKnown());
        assertTrue(g.get(2).runsCudaBuild(), "unknown: nothing to refuse on");
        assertEquals("Some GPU, with a comma", g.get(2).name());
        // an old driver that does not know compute_cap answers with an error line: no GPU to judge
        assertEquals(List.of(), GpuSupport.parse("Field \"compute_cap\" is not a valid field to query.\n"));
    }

    @Test
    void theRefusalIsOnlyForTheCudaBuildAndNamesTheGpuAndWhatToDo() {
        assertNull(GpuSupport.refusal(false, H200, Map.of()), "the CPU build runs anywhere");
        String line = GpuSupport.refusal(true, H200, Map.of());
        assertTrue(line.startsWith("GPU 0 NVIDIA H200 (compute capability 9.0) cannot run nd4j-cuda-11.6 1.0.0-M2.1"),
                line);
        assertTrue(line.contains("use the CPU build") && line.contains("sm_90"), line);
        assertFalse(line.contains("\n"));
        List<GpuSupport.Gpu> mixed = List.of(new GpuSupport.Gpu(0, "NVIDIA A100", 8, 0),
                new GpuSupport.Gpu(1, "NVIDIA H100", 9, 0));
        assertTrue(GpuSupport.refusal(true, mixed, Map.of()).contains("GPU 1 NVIDIA H100"));
        assertNull(GpuSupport.refusal(true, mixed, Map.of("CUDA_VISIBLE_DEVICES", "0")), "only the A100 is visible");
        assertEquals(List.of(mixed.get(1)), GpuSupport.visible(mixed, Map.of("CUDA_VISIBLE_DEVICES", "1")));
        assertNull(GpuSupport.refusal(true, List.of(), Map.of()), "no GPU: nothing to say here");
        assertFalse(GpuSupport.cudaBuild(getClass().getClassLoader(), Map.of()), "the test classpath is the CPU build");
    }

    private Path fakeNvidiaSmi(String script) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bin-" + Math.abs(script.hashCode())));
        Path exe = dir.resolve("nvidia-smi");
        Files.writeString(exe, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    @Test
    void theHostsGpusAreAskedOfTheNvidiaSmiOnThePath() throws IOException {
        Path h200 = fakeNvidiaSmi("[ \"$1\" = --query-gpu=index,compute_cap,name ] && [ \"$2\" = --format=csv,noheader ]"
                + " && printf '0, 9.0, NVIDIA H200\\n' && exit 0\nexit 9");
        assertEquals(H200, GpuSupport.query(tmp.resolve("nothing-here") + ":" + h200));
        Path failing = fakeNvidiaSmi("echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA "
                + "driver.'; exit 9");
        assertEquals(List.of(), GpuSupport.query(failing.toString()), "no driver: no GPU");
        assertEquals(List.of(), GpuSupport.query(tmp.resolve("empty").toString()), "no nvidia-smi: no GPU");
    }

    @Test
    void anExecutorTaskOnAGpuTheCudaBuildCannotRunIsRefusedBeforeBinding() {
        DeviceBindingTest.FakeNd4j cuda = new DeviceBindingTest.FakeNd4j(false, 1);
        GpuBindingException e = assertThrows(GpuBindingException.class,
                () -> DeviceBinding.bind(List.of("0"), cuda, () -> H200, Map.of()));
        assertTrue(e.getMessage().contains("GPU 0 NVIDIA H200 (compute capability 9.0) cannot run"), e.getMessage());
        assertEquals(List.of(), cuda.switches, "nothing bound, no kernel tried");
        assertThrows(GpuBindingException.class, () -> DeviceBinding.bind(List.of(), cuda, () -> H200, Map.of()),
                "an unassigned task computes on device 0: the H200");
        // the CPU build on the same host: the task runs on the CPU and says so
        DeviceBindingTest.FakeNd4j cpu = new DeviceBindingTest.FakeNd4j(true, 0);
        assertEquals("cpu(assigned-gpu:0)", DeviceBinding.bind(List.of("0"), cpu, () -> H200, Map.of()));
        // a GPU it runs
        List<GpuSupport.Gpu> a100 = List.of(new GpuSupport.Gpu(0, "NVIDIA A100", 8, 0));
        assertEquals("gpu:0", DeviceBinding.bind(List.of("0"), cuda, () -> a100, Map.of()));
    }
}
