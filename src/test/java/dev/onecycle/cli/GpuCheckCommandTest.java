package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code onecycle gpu-check} here, where ND4J runs its CPU backend and there is no GPU. */
class GpuCheckCommandTest {

    @Test
    void withoutAGpuItRunsOnTheCpuMatchesTheReferenceAndExits3() {
        CliRun r = CliRun.of("gpu-check");
        assertEquals(GpuCheckCommand.EXIT_NO_GPU, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("ND4J backend: CpuBackend (CPU, nd4j-native)"), r.out());
        assertTrue(r.out().contains("check: 5 minibatches of 32 examples"), r.out());
        String cpu = r.outLines().stream().filter(l -> l.startsWith("cpu: ")).findFirst().orElse("");
        assertTrue(cpu.endsWith(": OK"), "the CPU backend's training matches the double-precision reference: " + r.out());
        List<String> err = r.errLines().stream().filter(l -> l.startsWith("onecycle: ")).toList();
        assertEquals(List.of("onecycle: gpu-check: no GPU: ND4J runs its CPU backend (this build has no nd4j-cuda; "
                + "build with mvn -P cuda,!cpu -DskipTests package); the check ran on the CPU only (exit 3)"), err);
    }

    @Test
    void anExecutorsGpuRefusalInsideASparkJobFailureIsItsOneLine() {
        String line = dev.onecycle.gpu.GpuSupport.unsupportedLine(new dev.onecycle.gpu.GpuSupport.Gpu(0, "NVIDIA H200",
                9, 0));
        // as Spark reports a failed task: the task's exception as text in the stage failure, with its stack
        org.apache.spark.SparkException asText = new org.apache.spark.SparkException("Job aborted due to stage "
                + "failure: Task 0 in stage 2.0 failed 4 times, most recent failure: Lost task 0.3 in stage 2.0 (TID 9) "
                + "(10.0.0.7 executor 1): dev.onecycle.gpu.GpuBindingException: this executor's " + line
                + "\n\tat dev.onecycle.gpu.DeviceBinding.bind(DeviceBinding.java:49)\n\nDriver stacktrace:");
        // and with the exception itself as the cause (local mode keeps it)
        RuntimeException asCause = new RuntimeException("wrapped", new org.apache.spark.SparkException("Job aborted",
                new dev.onecycle.gpu.GpuBindingException("this executor's " + line)));
        for (Exception e : new Exception[] {asText, asCause}) {
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine cl = Main.commandLine(new java.io.PrintWriter(new java.io.StringWriter()),
                    new java.io.PrintWriter(err, true));
            assertEquals(Main.EXIT_FAILURE, CliErrors.handleExecutionException(e, cl, null));
            assertEquals("onecycle: this executor's " + line, err.toString().strip());
        }
    }

    @Test
    void noGpuOkMakesTheCpuOnlyCheckExit0() {
        CliRun r = CliRun.of("gpu-check", "--no-gpu-ok", "--batches", "2", "--hidden", "16");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("gpu-check: no GPU: ND4J runs its CPU backend"), r.out());
        assertTrue(r.out().contains("over 2 minibatches"), r.out());
    }

    @Test
    void aZeroToleranceFailsTheCpuRunWithOneLine() {
        CliRun r = CliRun.of("gpu-check", "--tolerance", "0", "--batches", "2", "--hidden", "16");
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.out() + r.err());
        List<String> err = r.errLines().stream().filter(l -> l.startsWith("onecycle: ")).toList();
        assertEquals(1, err.size(), r.err());
        assertTrue(err.get(0).startsWith("onecycle: gpu-check: ND4J's CPU result differs from the reference: "),
                err.get(0));
    }

    @Test
    void badFlagsAreOneLineAndExit2() {
        for (String[] args : List.of(new String[] {"gpu-check", "--batches", "0"},
                new String[] {"gpu-check", "--tolerance", "-1"}, new String[] {"gpu-check", "--tolerance", "x"},
                new String[] {"gpu-check", "--frobnicate"})) {
            CliRun r = CliRun.of(args);
            assertEquals(Main.EXIT_USAGE, r.exitCode(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.err().startsWith("onecycle: "), r.err());
        }
    }

    @Test
    void helpStatesTheExitCodeWithoutAGpu() {
        CliRun r = CliRun.of("gpu-check", "--help");
        assertEquals(Main.EXIT_OK, r.exitCode());
        assertTrue(r.out().contains("3 no GPU"), r.out());
        assertTrue(r.out().contains("--tolerance"), r.out());
    }
}
