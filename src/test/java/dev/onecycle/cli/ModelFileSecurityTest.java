package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.HostileZips;
import dev.onecycle.dl4j.Network;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model file is data, never code (issue 29): a model zip carrying an entry DL4J would Java-deserialize (an
 * object of an unknown class, a gadget whose deserialization is observable, a nested-HashSet bomb) is refused by
 * {@code inspect} and {@code train --model-in} with one line naming the entry, exit 2, nothing deserialized; a
 * checkpoint whose model is such a zip (manifest recomputed, so it verifies) is skipped by name on resume.
 */
class ModelFileSecurityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, byte[]> payloads() {
        return Map.of("gadget", HostileZips.gadget(), "unknown-class", HostileZips.unknownClass(),
                "bomb", HostileZips.deserializationBomb());
    }

    @Test
    void inspectAndModelInRefuseAModelWithADeserializingEntry(@TempDir Path tmp) throws Exception {
        byte[] model = HostileZips.model(FashionMlp.create(784, 8, 10, 1));
        Path good = tmp.resolve("good.zip");
        Files.write(good, model);
        assertEquals(Main.EXIT_OK, CliRun.of("inspect", good.toString()).exitCode(), "a real model inspects");
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        int reads = HostileZips.Gadget.READS.get();
        for (Map.Entry<String, byte[]> p : payloads().entrySet()) {
            Path bad = tmp.resolve(p.getKey() + ".zip");
            Files.write(bad, HostileZips.withEntry(model, "preprocessor.bin", p.getValue()));
            long start = cpu.getCurrentThreadCpuTime();
            CliRun inspect = CliRun.of("inspect", bad.toString());
            long ms = (cpu.getCurrentThreadCpuTime() - start) / 1_000_000;
            assertRefused(inspect, bad.toString(), "refused entry preprocessor.bin", "Java deserialization",
                    "zip -d");
            assertTrue(ms < 1000, p.getKey() + ": inspect refused it in " + ms + " ms of CPU time");
            assertEquals("", inspect.out());

            Path run = tmp.resolve("run-" + p.getKey());
            CliRun train = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "1",
                    "--max-examples", "200", "--batch-size", "25", "--model-in", bad.toString(),
                    "--run-dir", run.toString());
            assertRefused(train, "--model-in", bad.toString(), "refused entry preprocessor.bin");
            assertFalse(Files.exists(run.resolve("model.zip")), "nothing trained");
        }
        assertEquals(reads, HostileZips.Gadget.READS.get(), "no object was deserialized");
    }

    /** Replaces a checkpoint's model.zip and recomputes its manifest: the checkpoint verifies byte-wise. */
    @SuppressWarnings("unchecked")
    static void replaceModel(Path checkpoint, byte[] zip) throws Exception {
        Files.write(checkpoint.resolve("model.zip"), zip);
        Path manifest = checkpoint.resolve("MANIFEST.json");
        Map<String, Object> m = JSON.readValue(manifest.toFile(), Map.class);
        for (Map<String, Object> entry : (List<Map<String, Object>>) m.get("files")) {
            if (entry.get("name").equals("model.zip")) {
                entry.put("size", zip.length);
                entry.put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip)));
            }
        }
        Files.write(manifest, JSON.writeValueAsBytes(m));
    }

    @Test
    void resumeSkipsACheckpointWhoseModelCarriesADeserializingEntry(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        String[] common = {"train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "3", "--max-examples",
            "200", "--batch-size", "25", "--hidden", "8", "--run-dir", run.toString()};
        assertEquals(Main.EXIT_OK, CliRun.of(Stream.concat(Stream.of(common), Stream.of("--epochs", "2"))
                .toArray(String[]::new)).exitCode());
        Path newest = run.resolve("checkpoints/epoch-0002");
        byte[] model = Files.readAllBytes(newest.resolve("model.zip"));
        replaceModel(newest, HostileZips.withEntry(model, "preprocessor.bin", HostileZips.deserializationBomb()));
        int reads = HostileZips.Gadget.READS.get();

        CliRun dir = CliRun.of("inspect", run.resolve("checkpoints").toString());
        assertEquals(Main.EXIT_OK, dir.exitCode(), dir.err());
        assertTrue(dir.out().contains("\"name\" : \"epoch-0001\"") && dir.out().contains("skipped")
                && dir.out().contains("refused entry preprocessor.bin"), dir.out());
        CliRun one = CliRun.of("inspect", newest.toString());
        assertEquals(Main.EXIT_FAILURE, one.exitCode(), one.out());
        assertTrue(one.out().contains("\"valid\" : false") && one.out().contains("preprocessor.bin"), one.out());

        CliRun resumed = CliRun.of(Stream.concat(Stream.of(common), Stream.of("--resume")).toArray(String[]::new));
        assertEquals(Main.EXIT_OK, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("skipping") && resumed.out().contains("epoch-0002/model.zip: refused entry "
                + "preprocessor.bin"), resumed.out());
        assertTrue(resumed.out().contains("resuming from") && resumed.out().contains("epoch-0001"), resumed.out());
        assertEquals(3, Network.restore(run.resolve("model.zip").toFile()).epochCount(), "epochs 2 and 3 trained");
        assertEquals(reads, HostileZips.Gadget.READS.get(), "no object was deserialized");
    }
}
