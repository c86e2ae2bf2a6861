package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OneCyclePolicy POLICY = OneCyclePolicy.builder().setLrMax(0.05).build();

    @TempDir
    Path tmp;

    private static Network network(int epoch) {
        Network n = FashionMlp.create(6, 4, 3, epoch);
        OneCycleUpdaters.install(n, POLICY, CycleSlice.full(5, 7));
        n.setIterationCount(epoch * 7);
        n.setEpochCount(epoch);
        return n;
    }

    private void writeCheckpoints(Path dir) throws IOException {
        CheckpointStore store = CheckpointStore.open(dir.toString(), new Configuration());
        for (int e = 1; e <= 2; e++) {
            Network n = network(e);
            store.write(new CheckpointState(1, e, e * 7L, POLICY, 5, 5, 7, 42, 2, 8, 4, 100, n.paramsSha256(), "t"), n);
        }
    }

    /** The documented hash, computed here independently: SHA-256 of little-endian float32 parameters. */
    private static String expectedSha(Network n) throws Exception {
        float[] p = n.params().dup().data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(p.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : p) {
            b.putFloat(f);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    @Test
    void checkpointDirShowsItsNewestValidCheckpoint() throws Exception {
        writeCheckpoints(tmp.resolve("ckpt"));
        CliRun r = CliRun.of("inspect", tmp.resolve("ckpt").toString());
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("epoch-0002", j.get("name").asText());
        assertEquals(2, j.get("epoch").asInt());
        assertEquals(14, j.get("iteration").asInt());
        assertTrue(j.get("manifestVerified").asBoolean());
        assertEquals(expectedSha(network(2)), j.get("paramsSha256").asText());
        assertEquals(0.05, j.get("policy").get("lrMax").asDouble());
        assertEquals(5, j.get("cycle").get("totEpochs").asInt());
    }

    @Test
    void corruptNewestIsSkippedAndACorruptCheckpointDoesNotVerify() throws Exception {
        writeCheckpoints(tmp.resolve("ckpt"));
        Path model = tmp.resolve("ckpt/epoch-0002/model.zip");
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        JsonNode dir = JSON.readTree(CliRun.of("inspect", tmp.resolve("ckpt").toString()).out());
        assertEquals("epoch-0001", dir.get("name").asText());
        assertTrue(dir.get("skipped").get(0).asText().contains("epoch-0002"));

        CliRun one = CliRun.of("inspect", tmp.resolve("ckpt/epoch-0002").toString());
        assertEquals(Main.EXIT_FAILURE, one.exitCode());
        JsonNode j = JSON.readTree(one.out());
        assertEquals(false, j.get("manifestVerified").asBoolean());
        assertTrue(j.get("problem").asText().contains("model.zip"), j.toString());
    }

    @Test
    void aCheckpointWhoseManifestVerifiesButWhoseParamsSha256DoesNotSaysWhatFailed() throws Exception {
        // forged: state.json records another paramsSha256, and the manifest was written for exactly these files
        CheckpointStore store = CheckpointStore.open(tmp.resolve("ckpt").toString(), new Configuration());
        Network n = network(1);
        String forged = "0".repeat(64);
        store.write(new CheckpointState(1, 1, 7L, POLICY, 5, 5, 7, 42, 2, 8, 4, 100, forged, "t"), n);
        CliRun r = CliRun.of("inspect", tmp.resolve("ckpt/epoch-0001").toString());
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertTrue(j.get("manifestVerified").asBoolean(), "every file is as the manifest lists it: " + j);
        assertEquals(false, j.get("valid").asBoolean());
        assertEquals(forged, j.get("paramsSha256").asText());
        assertEquals(expectedSha(n), j.get("modelParamsSha256").asText());
        assertTrue(j.get("failedCheck").asText().startsWith("paramsSha256: state.json records " + forged), j.toString());
        assertTrue(j.get("problem").asText().contains("do not match paramsSha256"), j.toString());
    }

    @Test
    void savedModelShowsCountersHashAndPolicy() throws Exception {
        Network n = network(3);
        Path file = tmp.resolve("model.zip");
        n.save(file.toFile());
        CliRun r = CliRun.of("inspect", file.toString());
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("model", j.get("kind").asText());
        assertEquals(3, j.get("epoch").asInt());
        assertEquals(21, j.get("iteration").asInt());
        assertEquals(expectedSha(n), j.get("paramsSha256").asText());
        assertEquals(0.05, j.get("policy").get("lrMax").asDouble());
    }

    @Test
    void pathsThatAreNothingAreRefusedInOneLine() throws IOException {
        CliRun missing = CliRun.of("inspect", tmp.resolve("nope").toString());
        assertEquals(Main.EXIT_USAGE, missing.exitCode());
        assertEquals(1, missing.errLines().size(), missing.err());
        java.nio.file.Files.createDirectories(tmp.resolve("empty"));
        CliRun empty = CliRun.of("inspect", tmp.resolve("empty").toString());
        assertEquals(Main.EXIT_USAGE, empty.exitCode());
        assertTrue(empty.err().contains("neither"), empty.err());
        Path junk = java.nio.file.Files.writeString(tmp.resolve("junk.zip"), "junk");
        CliRun notAModel = CliRun.of("inspect", junk.toString());
        assertEquals(Main.EXIT_USAGE, notAModel.exitCode());
        assertEquals(1, notAModel.errLines().size(), notAModel.err());
        assertTrue(notAModel.err().contains("not a DL4J model"), notAModel.err());
    }
}
