package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.checkpoint.CheckpointLock;
import dev.onecycle.checkpoint.CheckpointStore;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23 (trust, round 3): numbers beyond float32, a stray LIBSVM index, a corrupt gzip, an IDX header whose
 * size overflows, a blank --run-dir, and refusals that used to write (an empty run dir, RESTARTS.json): each
 * refused with one line and exit 2, and nothing written.
 */
class HostileInputTest {
    @TempDir
    Path tmp;

    /** A small run: 2 workers and 2 epochs unless {@code extra} says otherwise. */
    private static String[] small(Path run, String... extra) {
        java.util.List<String> e = java.util.List.of(extra);
        return Stream.of(Stream.of("train", "--master", "local[2]", "--max-examples", "200", "--batch-size", "25",
                "--hidden", "8", "--run-dir", run.toString()),
                e.contains("--workers") ? Stream.<String>empty() : Stream.of("--workers", "2"),
                e.contains("--tot-epochs") ? Stream.<String>empty() : Stream.of("--tot-epochs", "2"),
                e.stream()).flatMap(x -> x).toArray(String[]::new);
    }

    /** 40 rows of {@code label,a,b,c}; row {@code badRow} (1-based data row) has {@code bad} in column b. */
    private Path csv(String name, int badRow, String bad) throws IOException {
        StringBuilder sb = new StringBuilder("label,a,b,c\n");
        for (int i = 1; i <= 40; i++) {
            sb.append(i % 2).append(',').append(i * 0.1).append(',').append(i == badRow ? bad : "0.5").append(",1\n");
        }
        return Files.writeString(tmp.resolve(name), sb.toString());
    }

    @Test
    void csvFeaturesBeyondFloat32AreRefusedNamingFileAndLine() throws IOException {
        Path run = tmp.resolve("run");
        for (String bad : new String[] {"1e39", "3.5e38", "-1e300"}) {
            Path data = csv("big.csv", 7, bad);
            assertRefused(CliRun.of(small(run, "--data", data.toString())), "--data", "big.csv line 8, column 'b'",
                    "'" + bad + "'", "32-bit float");
        }
        // the largest float32 itself is read as it is
        Path max = csv("max.csv", 7, "3.4028235e38");
        dev.onecycle.data.TrainTestData d = dev.onecycle.data.DataSource.resolve(max.toString(), null,
                dev.onecycle.data.DataOptions.defaults().withTestFraction(0.5), new Configuration()).load(() -> null);
        float largest = 0;
        for (dev.onecycle.data.LabeledData part : new dev.onecycle.data.LabeledData[] {d.train(), d.test()}) {
            for (int i = 0; i < part.size(); i++) {
                largest = Math.max(largest, part.featuresOf(i)[1]);
            }
        }
        assertEquals(Float.MAX_VALUE, largest);
    }

    @Test
    void libsvmFeaturesBeyondFloat32AreRefusedNamingFileAndLineBeforeSparkStarts() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            sb.append(i % 2).append(" 1:0.5 2:").append(i == 12 ? "3.5e38" : "1.0").append(" 3:1\n");
        }
        Path data = Files.writeString(tmp.resolve("big.libsvm"), sb.toString());
        Path run = tmp.resolve("run");
        assertRefused(CliRun.of(small(run, "--data", data.toString())), "--data", "big.libsvm line 12",
                "feature 2", "'3.5e38'", "32-bit float");
        assertFalse(Files.exists(run));
    }

    @Test
    void aStrayLibsvmIndexIsRefusedNamingTheLineAndTheWidthItImplies() throws IOException {
        // 10 features, one line with index 1000000: 3000 x 1000000 floats are 12 GB, far beyond a quarter of any
        // test heap (this JVM: -Xmx4g). (OneLineRefusalsTest runs the 1 GB driver in a child JVM.)
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 3000; i++) {
            sb.append(i % 2);
            for (int j = 1; j <= 10; j++) {
                sb.append(' ').append(j).append(':').append(j * 0.1);
            }
            if (i == 1234) {
                sb.append(" 1000000:1.0");
            }
            sb.append('\n');
        }
        Path data = Files.writeString(tmp.resolve("stray.libsvm"), sb.toString());
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of(small(run, "--data", data.toString()));
        assertRefused(r, "--data", "stray.libsvm line 1234", "feature index 1000000", "1000000 features wide",
                "the other lines use at most 10", "fix that line");
        assertFalse(Files.exists(run));
    }

    // ---- IDX -------------------------------------------------------------------------------------------------

    private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return b.toByteArray();
    }

    /** gzip at {@code level} (0: stored blocks, so a flipped byte changes a pixel and only the CRC can tell). */
    private static byte[] gzip(byte[] raw, int level) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b) {
            {
                def.setLevel(level);
            }
        }) {
            out.write(raw);
        }
        return b.toByteArray();
    }

    /** An IDX folder of 4x4 images: 100 train, 40 test, labels 0..9. */
    private Path idxFolder(String name, int trainLevel) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String prefix : new String[] {"train", "t10k"}) {
            int n = prefix.equals("train") ? 100 : 40;
            byte[] px = new byte[n * 16];
            byte[] lb = new byte[n];
            for (int i = 0; i < n; i++) {
                lb[i] = (byte) (i % 10);
                for (int j = 0; j < 16; j++) {
                    px[i * 16 + j] = (byte) ((i * 7 + j * 13) & 0xff);
                }
            }
            Files.write(dir.resolve(prefix + "-images-idx3-ubyte.gz"),
                    gzip(idx(0x803, new int[] {n, 4, 4}, px), prefix.equals("train") ? trainLevel : 6));
            Files.write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), gzip(idx(0x801, new int[] {n}, lb), 6));
        }
        return dir;
    }

    @Test
    void aCorruptGzipIsRefusedNamingTheFile() throws IOException {
        Path run = tmp.resolve("run");
        Path good = idxFolder("good", 0);
        assertEquals(Main.EXIT_OK, CliRun.of(small(run, "--data", good.toString(), "--tot-epochs", "1"))
                .exitCode(), "the intact folder trains");
        // a flipped byte inside the (stored) pixel data: inflates fine, only the gzip trailer's CRC-32 tells
        Path flipped = idxFolder("flipped", 0);
        Path images = flipped.resolve("train-images-idx3-ubyte.gz");
        byte[] gz = Files.readAllBytes(images);
        gz[gz.length / 2] ^= 0x20;
        Files.write(images, gz);
        Path run2 = tmp.resolve("run2");
        assertRefused(CliRun.of(small(run2, "--data", flipped.toString())), "--data",
                "train-images-idx3-ubyte.gz", "corrupt gzip");
        assertFalse(Files.exists(run2));
        // a flipped byte of the trailer's CRC itself
        Path crc = idxFolder("crc", 6);
        images = crc.resolve("train-images-idx3-ubyte.gz");
        gz = Files.readAllBytes(images);
        gz[gz.length - 6] ^= 0x01;
        Files.write(images, gz);
        assertRefused(CliRun.of(small(run2, "--data", crc.toString())), "--data", "train-images-idx3-ubyte.gz",
                "corrupt gzip");
        // a CSV read through Hadoop's gzip codec: the file is named too
        Path csvGz = tmp.resolve("data.csv.gz");
        byte[] csvBytes = gzip(Files.readAllBytes(csv("plain.csv", 0, "0")), 0);
        int at = csvBytes.length / 2;
        while (!Character.isDigit(csvBytes[at])) {
            at++;
        }
        csvBytes[at] ^= 0x01; // a digit stays a digit (0<->1, 2<->3, ...): only the CRC can tell
        Files.write(csvGz, csvBytes);
        CliRun r = CliRun.of(small(run2, "--data", csvGz.toString()));
        assertRefused(r, "--data", "data.csv.gz", "CRC");
        assertFalse(Files.exists(run2));
    }

    @Test
    void anIdxHeaderWhoseSizeOverflowsIsRefusedNamingTheFile() throws IOException {
        Path dir = idxFolder("overflow", 6);
        // 2^22 x 2^21 x 2^21 = 2^64 values: 0 in a long, and rows x cols = 2^42 is 0 as an int
        int n = 1 << 22;
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx(0x803, new int[] {n, 1 << 21, 1 << 21},
                new byte[0]), 6));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idx(0x801, new int[] {n}, new byte[n]), 6));
        Path run = tmp.resolve("run");
        assertRefused(CliRun.of(small(run, "--data", dir.toString())), "--data", "train-images-idx3-ubyte.gz",
                "4194304 x 2097152 x 2097152", "more than one array can hold");
        assertFalse(Files.exists(run));
    }

    // ---- refusals that used to write --------------------------------------------------------------------------

    @Test
    void aBlankRunDirIsRefusedFromTheFlagAndTheProperties() throws IOException {
        for (String blank : new String[] {"", "  "}) {
            assertRefused(CliRun.of("train", "--run-dir", blank), "--run-dir", "must not be empty or blank");
        }
        Path props = Files.writeString(tmp.resolve("p.conf"), "spark.onecycle.runDir \n");
        assertRefused(CliRun.of("train", "--properties-file", props.toString()), "runDir", "must not be empty");
        Path props2 = Files.writeString(tmp.resolve("p2.conf"), "spark.onecycle.runDir=\n");
        assertRefused(CliRun.of("train", "--properties-file", props2.toString()), "runDir", "must not be empty");
    }

    @Test
    void totEpochsTooLargeForTheIterationCounterIsNamedAndWritesNothing() throws IOException {
        Path run = tmp.resolve("runs/a/run");
        CliRun r = CliRun.of(small(run, "--tot-epochs", "2000000000"));
        assertRefused(r, "--tot-epochs 2000000000", "2147483647", "give --tot-epochs", "or fewer");
        assertFalse(r.err().contains("--iters-per-epoch"), r.err());
        assertFalse(Files.exists(tmp.resolve("runs")), "the run dir (and its parents) this run made are removed");
    }

    @Test
    void aJobRefusedByTheLockLeavesNoRunDir() throws IOException {
        Path ckpt = tmp.resolve("shared-ckpt");
        CheckpointStore store = CheckpointStore.open(ckpt.toString(), new Configuration());
        try (CheckpointLock held = store.lock(CheckpointLock.DEFAULT_STALE_AFTER, m -> { })) {
            Path run = tmp.resolve("second-run");
            CliRun r = CliRun.of(small(run, "--checkpoint-dir", ckpt.toString()));
            assertRefused(r, "--checkpoint-dir", "in use by pid " + ProcessHandle.current().pid());
            assertFalse(Files.exists(run), "the refused job's new run dir is removed");
            assertTrue(Files.exists(ckpt.resolve("LOCK")), "the holder's lock is untouched");
        }
    }

    @Test
    void barrierRefusedAfterTheLockLeavesNoRunDirAndPutsRestartsJsonBack() throws IOException {
        Path run = tmp.resolve("run");
        String[] barrier = {"--workers", "3", "--averaging", "barrier"};
        CliRun fresh = CliRun.of(small(run, barrier));
        assertRefused(fresh, "--averaging", "barrier needs a free task slot per worker (3)");
        assertFalse(Files.exists(run), "no run dir, no checkpoints/RESTARTS.json");

        // a resumed run's refusal leaves the ledger as the last start wrote it
        assertEquals(Main.EXIT_OK, CliRun.of(small(run, "--epochs", "1")).exitCode());
        Path ledger = run.resolve("checkpoints/RESTARTS.json");
        byte[] before = Files.readAllBytes(ledger);
        assertRefused(CliRun.of(small(run, "--resume", "--workers", "3", "--averaging", "barrier",
                "--accept-changed-settings")), "barrier needs a free task slot");
        assertArrayEquals(before, Files.readAllBytes(ledger), new String(before, StandardCharsets.UTF_8));
        assertFalse(Files.exists(run.resolve("checkpoints/LOCK")));
    }
}
