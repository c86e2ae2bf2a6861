package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full file system (issue 23): a 2 MB tmpfs, filled up to a few pages, under the checkpoint dir and under
 * the run dir. Hadoop's local file system reports ENOSPC as an {@code FSError}; the job must still name the path,
 * keep the trained model when only checkpoints failed, leave no temporary folder, and overwrite nothing good.
 * Mounting needs root: without it the tests are skipped, saying so.
 */
class FullDiskTest {
    @TempDir
    Path tmp;
    private Path disk;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        disk = Files.createDirectories(tmp.resolve("disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        boolean done = mount.waitFor(30, TimeUnit.SECONDS);
        String out = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!done) {
            mount.destroyForcibly();
        }
        Assumptions.assumeTrue(done && mount.exitValue() == 0, "mounting a 2 MB tmpfs is not permitted here (it needs"
                + " root): " + out);
    }

    @AfterEach
    void unmount() throws Exception {
        if (disk != null && Files.readString(Path.of("/proc/self/mounts")).contains(" " + disk + " ")) {
            Process p = new ProcessBuilder("umount", "-l", disk.toString()).redirectErrorStream(true).start();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Fills the tmpfs with one file until {@code freeBytes} are left. */
    private void fillLeaving(long freeBytes) throws IOException {
        long fill = Files.getFileStore(disk).getUsableSpace() - freeBytes;
        try (FileChannel c = FileChannel.open(disk.resolve("filler"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer chunk = ByteBuffer.allocate(4096);
            for (long written = 0; written < fill; written += 4096) {
                chunk.clear();
                chunk.limit((int) Math.min(4096, fill - written));
                c.write(chunk);
            }
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static String[] train(Path run, String... extra) {
        return Stream.concat(Stream.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "2",
                "--max-examples", "200", "--batch-size", "25", "--hidden", "8", "--run-dir", run.toString()),
                Stream.of(extra)).toArray(String[]::new);
    }

    @Test
    void checkpointDirOnAFullDiskNamesThePathKeepsTheTrainedModelAndLeavesNoTemporaryFolder() throws IOException {
        Path run = tmp.resolve("run");
        Path ckpt = disk.resolve("ckpt");
        fillLeaving(16 * 1024); // room for LOCK and RESTARTS.json, not for a 50 kB model.zip
        CliRun r = CliRun.of(train(run, "--checkpoint-dir", ckpt.toString()));
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("onecycle: could not write checkpoint ") && r.err().contains(ckpt
                + "/epoch-0002 (No space left on device)") && r.err().contains("the checkpoint before it failed too")
                && r.err().contains("the trained model and outputs are saved in " + run), r.err());
        assertTrue(r.out().contains("checkpoints: could not write checkpoint ") && r.out().contains(ckpt
                + "/epoch-0001 (No space left on device)") && r.out().contains("training goes on"), r.out());
        assertEquals(2, Network.restore(run.resolve("model.zip").toFile()).epochCount(),
                "the model trained to the end is saved although the first checkpoint already failed");
        assertEquals(List.of("", "applied-schedule.csv", "metrics.csv", "model.zip", "training.png"), names(run));
        assertEquals(List.of("", "RESTARTS.json"), names(ckpt), "no checkpoint, no *.tmp-* folder, lock released");
    }

    @Test
    void runDirOnAFullDiskNamesThePathAndOverwritesNothingGood() throws Exception {
        Path run = disk.resolve("run");
        CliRun first = CliRun.of(train(run, "--keep-checkpoints", "0"));
        assertEquals(Main.EXIT_OK, first.exitCode(), first.err());
        List<String> outputs = List.of("applied-schedule.csv", "metrics.csv", "model.zip", "training.png");
        byte[][] before = new byte[outputs.size()][];
        for (int i = 0; i < outputs.size(); i++) {
            before[i] = Files.readAllBytes(run.resolve(outputs.get(i)));
        }
        fillLeaving(12 * 1024); // the CSVs fit, model.zip does not

        CliRun r = CliRun.of(train(run, "--keep-checkpoints", "0", "--overwrite", "--seed", "7"));
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("onecycle: could not write " + run) && r.err().contains("No space left on device"),
                r.err());
        for (int i = 0; i < outputs.size(); i++) {
            assertArrayEquals(before[i], Files.readAllBytes(run.resolve(outputs.get(i))),
                    outputs.get(i) + " of the earlier run is left as it was: " + r.err());
        }
        assertEquals(List.of("", "applied-schedule.csv", "metrics.csv", "model.zip", "training.png"), names(run),
                "no .inprogress file left");
    }
}
