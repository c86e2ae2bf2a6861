package dev.onecycle.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The onednn binary as spark-submit/lib-native.sh loads it (the jar package copies to target/native, the options
 * the launcher gives): it loads, DL4J's oneDNN helpers come on (through the project's org.nd4j.nativeblas.Nd4jCpu),
 * and training on it is deterministic and divides bitwise (whole = two slices with a save and restore between).
 * The bitwise guarantees hold per binary; the generic binary's are pinned by the other tests.
 */
class OneDnnBinaryIT {
    @TempDir
    Path tmp;

    @Test
    void lenetOnTheOneDnnBinaryUsesTheHelpersAndDividesBitwise() throws Exception {
        Path build = Path.of(System.getProperty("onecycle.build.directory", "target"));
        File[] jars = build.resolve("native").toFile().listFiles((d, n) -> n.endsWith("-linux-x86_64-onednn.jar"));
        assertTrue(jars != null && jars.length == 1, "package copies the onednn jar to " + build.resolve("native"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of("-Xmx2g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0",
                "-Dorg.bytedeco.javacpp.platform.extension=-onednn", "-Dorg.eclipse.deeplearning4j.helpers.disable=false",
                "-cp", System.getProperty("java.class.path") + File.pathSeparator + jars[0], OneDnnCheck.class.getName()));
        Path out = tmp.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the check did not finish");
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            assertTrue(text.contains("binary=linux-x86_64-onednn helpers=true SAME"), text);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
