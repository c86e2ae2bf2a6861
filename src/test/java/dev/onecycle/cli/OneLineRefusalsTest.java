package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees from a real {@code onecycle} process (a child JVM with the shipped conf/log4j2.properties, as
 * the launcher runs it): a refusal is exactly one line on stderr, even with Spark's UI port taken by another
 * application; a stray LIBSVM index in a 1 GB driver is that line, not an OutOfMemoryError; gpu-check names a
 * GPU the CUDA build cannot run (a fake nvidia-smi on the PATH). Each child is killed by PID, pass or fail.
 */
class OneLineRefusalsTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static List<String> java17Flags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
                    || a.startsWith("-Djdk.reflect")) {
                flags.add(a);
            }
        }
        return flags;
    }

    /** {@code java -Xmx<heap> -Dlog4j.configurationFile=conf/log4j2.properties ... dev.onecycle.cli.Main args}. */
    private Run run(String heap, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java17Flags());
        cmd.add("-Xmx" + heap);
        cmd.add("-Dlog4j.configurationFile=" + Path.of("conf/log4j2.properties").toAbsolutePath());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.onecycle.cli.Main");
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .directory(new File(System.getProperty("user.dir")));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                throw new AssertionError("onecycle " + String.join(" ", args) + " did not finish:\n"
                        + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void assertOneLine(Run r, String... fragments) {
        assertEquals(Main.EXIT_USAGE, r.exit(), r.err());
        assertEquals(1, r.errLines().size(), "one line on stderr:\n" + r.err());
        assertTrue(r.err().startsWith("onecycle: "), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' in: " + r.err());
        }
    }

    @Test
    void aStrayLibsvmIndexInAOneGigabyteDriverIsOneLineNotAnOutOfMemoryError() throws Exception {
        // the case: a 10-feature file, one line with 1000000:1.0, the launcher's default 1 GB driver heap
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 300; i++) {
            sb.append(i % 3);
            for (int j = 1; j <= 10; j++) {
                sb.append(' ').append(j).append(':').append(j * 0.1);
            }
            sb.append(i == 77 ? " 1000000:1.0\n" : "\n");
        }
        Path data = Files.writeString(tmp.resolve("ten.libsvm"), sb.toString());
        Path run = tmp.resolve("run");
        Run r = run("1g", Map.of(), "train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "1",
                "--hidden", "8", "--data", data.toString(), "--run-dir", run.toString());
        assertOneLine(r, "ten.libsvm line 77", "feature index 1000000", "1000000 features wide", "driver's");
        assertFalse(Files.exists(run));
    }

    @Test
    void sparkWarningsDoNotPrecedeTheRefusalLine() throws Exception {
        // a LIBSVM label refused after Spark has read the file (Spark started: its UI port is taken by "another
        // application", this test; before, Spark warned that it could not bind 4040, and LibSVMFileFormat that
        // numFeatures was not given)
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            sb.append(i == 9 ? "2.5" : Integer.toString(i % 2)).append(" 1:0.5 2:").append(i).append('\n');
        }
        Path data = Files.writeString(tmp.resolve("frac.libsvm"), sb.toString());
        Path run = tmp.resolve("run");
        ServerSocket ui = null;
        try {
            try {
                ui = new ServerSocket();
                ui.setReuseAddress(false);
                ui.bind(new InetSocketAddress("127.0.0.1", 4040)); // where the child's Spark (SPARK_LOCAL_IP) binds
            } catch (IOException taken) {
                ui = null; // another application holds it already: the same situation
            }
            Run r = run("1g", Map.of(), "train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "1",
                    "--hidden", "8", "--data", data.toString(), "--run-dir", run.toString());
            assertOneLine(r, "frac.libsvm example 9", "label 2.5");
        } finally {
            if (ui != null) {
                ui.close();
            }
        }
        assertFalse(Files.exists(run));
    }

    /** A folder holding an executable {@code nvidia-smi} that prints {@code csv} for the GPU query. */
    private Path fakeNvidiaSmi(String csv) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fake-bin"));
        Path exe = dir.resolve("nvidia-smi");
        Files.writeString(exe, "#!/bin/sh\ncase \"$*\" in\n  *--query-gpu=index,compute_cap,name*) printf '" + csv
                + "' ;;\n  *) echo \"fake nvidia-smi: $*\" >&2; exit 6 ;;\nesac\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    @Test
    void gpuCheckNamesAGpuTheCudaBuildCannotRun() throws Exception {
        Path bin = fakeNvidiaSmi("0, 9.0, NVIDIA H200\\n");
        Run r = run("1g", Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH")), "gpu-check",
                "--batches", "1", "--batch-size", "8", "--hidden", "8");
        assertEquals(GpuCheckCommand.EXIT_NO_GPU, r.exit(), r.err());
        assertTrue(r.out().contains("nvidia-smi: GPU 0 NVIDIA H200 (compute capability 9.0): cannot run "
                + "nd4j-cuda-11.6"), r.out());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("GPU 0 NVIDIA H200 (compute capability 9.0) cannot run nd4j-cuda-11.6")
                && r.err().contains("use the CPU build") && r.err().contains("sm_90"), r.err());
    }
}
