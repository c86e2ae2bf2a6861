package dev.onecycle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointStoreTest {
    @TempDir
    Path tmp;

    @AfterEach
    void noFault() {
        FaultyFileSystem.reset();
    }

    static Configuration conf() {
        Configuration c = new Configuration();
        c.set("fs.faulty.impl", FaultyFileSystem.class.getName());
        c.setBoolean("fs.faulty.impl.disable.cache", true);
        return c;
    }

    static CheckpointState state(int epoch, Network net) {
        OneCyclePolicy policy = OneCyclePolicy.builder().setLrMax(0.05).build();
        return new CheckpointState(CheckpointState.FORMAT_VERSION, epoch, epoch * 7L, policy, 10, 10, 7, 42, 2, 16, 4,
                224, net.paramsSha256(), "2026-11-24T00:00:00Z");
    }

    /** A small network whose parameters differ per epoch, so checkpoints are told apart by paramsSha256. */
    static Network net(int epoch) {
        Network n = FashionMlp.create(12, 6, 3, 1);
        n.setParams(Nd4j.linspace(epoch, epoch + 1, n.params().length()).reshape(n.params().shape())
                .castTo(n.params().dataType()));
        return n;
    }

    CheckpointStore store() throws IOException {
        return CheckpointStore.open(tmp.resolve("ckpt").toString(), conf());
    }

    CheckpointStore faultyStore() throws IOException {
        return CheckpointStore.open("faulty://" + tmp.resolve("ckpt"), conf());
    }

    Path folder(int epoch) {
        return tmp.resolve("ckpt").resolve(CheckpointStore.nameFor(epoch));
    }

    List<String> listing() throws IOException {
        try (Stream<Path> s = Files.walk(tmp.resolve("ckpt"))) {
            return s.map(p -> tmp.relativize(p).toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writtenCheckpointVerifiesAndRestoresTheSameParameters() throws IOException {
        CheckpointStore store = store();
        Network n = net(3);
        store.write(state(3, n), n);
        Optional<Checkpoint> c = store.newestValid(m -> { });
        assertTrue(c.isPresent());
        assertEquals(state(3, n), c.get().state());
        assertEquals(n.paramsSha256(), store.loadModel(c.get()).paramsSha256());
        assertTrue(Files.exists(folder(3).resolve("MANIFEST.json")));
        assertFalse(Files.exists(folder(3).resolve(".model.zip.crc")), "no checksum side files");
    }

    private List<String> writeThreeThen(java.util.function.Consumer<Path> damageNewest) throws IOException {
        CheckpointStore store = store();
        for (int e = 1; e <= 3; e++) {
            Network n = net(e);
            store.write(state(e, n), n);
        }
        damageNewest.accept(folder(3));
        List<String> report = new ArrayList<>();
        Checkpoint c = store.newestValid(report::add).orElseThrow();
        assertEquals(2, c.state().epoch(), "fell back to the previous checkpoint");
        assertEquals(net(2).paramsSha256(), store.loadModel(c).paramsSha256());
        assertEquals(1, report.size(), report.toString());
        assertTrue(report.get(0).contains("epoch-0003"), report.get(0));
        return report;
    }

    private static void truncate(Path file, long size) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void truncatedToZeroModelIsSkippedForThePreviousCheckpoint() throws IOException {
        String r = writeThreeThen(f -> truncate(f.resolve("model.zip"), 0)).get(0);
        assertTrue(r.contains("model.zip") && r.contains("truncated"), r);
    }

    @Test
    void halfTruncatedModelIsSkippedForThePreviousCheckpoint() throws IOException {
        writeThreeThen(f -> {
            try {
                truncate(f.resolve("model.zip"), Files.size(f.resolve("model.zip")) / 2);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void flippedByteIsReportedAsAChecksumMismatch() throws IOException {
        String r = writeThreeThen(f -> {
            try (RandomAccessFile file = new RandomAccessFile(f.resolve("model.zip").toFile(), "rw")) {
                file.seek(file.length() / 2);
                int b = file.read();
                file.seek(file.length() / 2);
                file.write(b ^ 0x10);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).get(0);
        assertTrue(r.contains("SHA-256"), r);
    }

    @Test
    void missingManifestMeansIncomplete() throws IOException {
        String r = writeThreeThen(f -> f.resolve("MANIFEST.json").toFile().delete()).get(0);
        assertTrue(r.contains("MANIFEST.json") && r.contains("incomplete"), r);
    }

    @Test
    void manifestListingAMissingFileMeansIncomplete() throws IOException {
        String r = writeThreeThen(f -> f.resolve("state.json").toFile().delete()).get(0);
        assertTrue(r.contains("state.json") && r.contains("missing"), r);
    }

    @Test
    void noValidCheckpointIsEmptyWithEveryProblemReported() throws IOException {
        CheckpointStore store = store();
        Network n = net(1);
        store.write(state(1, n), n);
        truncate(folder(1).resolve("model.zip"), 10);
        List<String> report = new ArrayList<>();
        assertTrue(store.newestValid(report::add).isEmpty());
        assertEquals(1, report.size());
    }

    @Test
    void newerFormatIsRefusedWithAVersionMessage() throws IOException {
        CheckpointStore store = store();
        Network n = net(1);
        CheckpointState s = state(1, n);
        store.write(new CheckpointState(99, s.epoch(), s.iteration(), s.policy(), s.totEpochs(), s.endEpoch(),
                s.itersPerEpoch(), s.seed(), s.workers(), s.batchSizePerWorker(), s.averagingFrequency(), s.examples(),
                s.paramsSha256(), s.createdAt()), n);
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> store.verify(
                new org.apache.hadoop.fs.Path(folder(1).toUri())));
        assertTrue(e.getMessage().contains("format 99") && e.getMessage().contains("newer"), e.getMessage());
    }

    @Test
    void checkpointOfTheFirstReleaseStillLoads() throws Exception {
        Path old = tmp.resolve("ckpt");
        Files.createDirectories(old);
        copyResourceFolder("/checkpoints/format-1/epoch-0002", old.resolve("epoch-0002"));
        Checkpoint c = store().newestValid(m -> { }).orElseThrow();
        assertEquals(2, c.state().epoch());
        assertEquals(1, c.state().formatVersion());
        assertEquals(c.state().paramsSha256(), store().loadModel(c).paramsSha256());
    }

    @Test
    void theFirstReleasesCheckpointReadsAsTheSettingsItRecorded() throws Exception {
        Path old = tmp.resolve("ckpt");
        copyResourceFolder("/checkpoints/format-1/epoch-0002", old.resolve("epoch-0002"));
        CheckpointState s = store().newestValid(m -> { }).orElseThrow().state();
        // the values in its state.json, read through the declarations (fastai defaults, lrMax 0.1)
        assertEquals(dev.onecycle.settings.Settings.trained(OneCyclePolicy.builder().setLrMax(0.1).build(), 3, 2, 20,
                4, 42, dev.onecycle.settings.SettingValues.empty()), s.settings());
        assertEquals(250_000.0, s.policy().finalDiv());
        assertEquals(List.of(3, 5, 200L), List.of(s.endEpoch(), s.itersPerEpoch(), s.examples()));
    }

    @Test
    void anEpochEndStateJsonHasTheFirstReleasesLayout() throws Exception {
        // so a release that reads format 1 resumes from an epoch-end checkpoint of this one
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Network n = net(2);
        store().write(new CheckpointState(CheckpointState.EPOCH_END_FORMAT, 2, 14, OneCyclePolicy.builder()
                .setLrMax(0.05).build(), 10, 10, 7, 42, 2, 16, 4, 224, n.paramsSha256(), "now"), n);
        java.util.Map<?, ?> written = json.readValue(folder(2).resolve("state.json").toFile(), java.util.Map.class);
        java.util.Map<?, ?> shipped = json.readValue(getClass().getResource(
                "/checkpoints/format-1/epoch-0002/state.json"), java.util.Map.class);
        assertEquals(fieldPaths("", shipped), fieldPaths("", written));
        assertEquals(1, written.get("formatVersion"));
    }

    /** The dotted paths of every value in {@code json} ({@code policy.lrMax}), sorted. */
    private static java.util.SortedSet<String> fieldPaths(String prefix, java.util.Map<?, ?> json) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        json.forEach((k, v) -> {
            if (v instanceof java.util.Map) {
                out.addAll(fieldPaths(prefix + k + ".", (java.util.Map<?, ?>) v));
            } else {
                out.add(prefix + k + ":" + (v == null ? "null" : v.getClass().getSimpleName()));
            }
        });
        return out;
    }

    private static void copyResourceFolder(String resource, Path to) throws Exception {
        Path from = Path.of(CheckpointStoreTest.class.getResource(resource).toURI());
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }

    @Test
    void temporaryFoldersAreNeverLoadedAndAreCleanedUp() throws IOException {
        CheckpointStore store = store();
        Network n = net(1);
        store.write(state(1, n), n);
        Path tmpFolder = tmp.resolve("ckpt").resolve("epoch-0002.tmp-abc");
        Files.createDirectories(tmpFolder);
        Files.copy(folder(1).resolve("model.zip"), tmpFolder.resolve("model.zip"));
        assertEquals(1, store.newestValid(m -> { }).orElseThrow().state().epoch());
        assertEquals(1, store.cleanTemporaries().size());
        assertFalse(Files.exists(tmpFolder));
    }

    @Test
    void pruneKeepsTheNewestValidAndNeverCorruptOnes() throws IOException {
        CheckpointStore store = store();
        for (int e = 1; e <= 5; e++) {
            Network n = net(e);
            store.write(state(e, n), n);
        }
        folder(5).resolve("MANIFEST.json").toFile().delete();
        store.prune(2);
        assertFalse(Files.exists(folder(1)));
        assertFalse(Files.exists(folder(2)));
        assertTrue(Files.exists(folder(3)));
        assertTrue(Files.exists(folder(4)));
        assertTrue(Files.exists(folder(5)), "an incomplete checkpoint is evidence, not pruned");
        store.prune(2);
        assertTrue(Files.exists(folder(3)), "pruning is repeatable");
    }

    private void assertFailedWriteKeepsThePrevious(FaultyFileSystem.Fault fault, String target, String inMessage)
            throws IOException {
        CheckpointStore store = faultyStore();
        Network n1 = net(1);
        store.write(state(1, n1), n1);
        List<String> before = listing();
        FaultyFileSystem.fault = fault;
        FaultyFileSystem.target = target;
        Network n2 = net(2);
        IOException e = assertThrows(IOException.class, () -> store.write(state(2, n2), n2));
        assertTrue(e.getMessage().contains("epoch-0002") && e.getMessage().contains(inMessage), e.getMessage());
        FaultyFileSystem.reset();
        assertEquals(before, listing(), "previous checkpoint intact, temp removed, nothing pruned");
        assertEquals(1, store.newestValid(m -> { }).orElseThrow().state().epoch());
    }

    @Test
    void diskFullWhileWritingTheModelKeepsThePreviousCheckpoint() throws IOException {
        assertFailedWriteKeepsThePrevious(FaultyFileSystem.Fault.DISK_FULL_ON, "model.zip", "No space left");
    }

    @Test
    void diskFullWhileWritingTheManifestKeepsThePreviousCheckpoint() throws IOException {
        assertFailedWriteKeepsThePrevious(FaultyFileSystem.Fault.DISK_FULL_ON, "MANIFEST.json", "No space left");
    }

    @Test
    void failureJustBeforeTheRenameKeepsThePreviousCheckpoint() throws IOException {
        assertFailedWriteKeepsThePrevious(FaultyFileSystem.Fault.FAIL_BEFORE_RENAME, "", "before renaming");
    }

    @Test
    void failureJustAfterTheRenameLeavesTheNewCheckpointValid() throws IOException {
        CheckpointStore store = faultyStore();
        Network n1 = net(1);
        store.write(state(1, n1), n1);
        FaultyFileSystem.fault = FaultyFileSystem.Fault.FAIL_AFTER_RENAME;
        Network n2 = net(2);
        assertThrows(IOException.class, () -> store.write(state(2, n2), n2));
        FaultyFileSystem.reset();
        Checkpoint c = store.newestValid(m -> { }).orElseThrow();
        assertEquals(2, c.state().epoch(), "the renamed folder is complete: its manifest verifies");
        assertEquals(n2.paramsSha256(), store.loadModel(c).paramsSha256());
    }

    @Test
    void crashHalfwayThroughACopyingRenameIsExposedByTheManifest() throws IOException {
        CheckpointStore store = faultyStore();
        Network n1 = net(1);
        store.write(state(1, n1), n1);
        FaultyFileSystem.fault = FaultyFileSystem.Fault.NON_ATOMIC_RENAME_CRASH;
        FaultyFileSystem.target = "MANIFEST.json";
        Network n2 = net(2);
        assertThrows(IOException.class, () -> store.write(state(2, n2), n2));
        FaultyFileSystem.reset();
        assertTrue(Files.exists(folder(2).resolve("MANIFEST.json")), "the copy got as far as the manifest");
        List<String> report = new ArrayList<>();
        assertEquals(1, store.newestValid(report::add).orElseThrow().state().epoch());
        assertTrue(report.get(0).contains("missing"), report.toString());
    }

    @Test
    void secondJobOnTheSameFolderIsRefused() throws IOException {
        CheckpointStore store = store();
        try (CheckpointLock first = store.lock(Duration.ofMinutes(5), m -> { })) {
            CheckpointLockedException e = assertThrows(CheckpointLockedException.class,
                    () -> store().lock(Duration.ofMinutes(5), m -> { }));
            assertTrue(e.getMessage().contains("in use by pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        store().lock(Duration.ofMinutes(5), m -> { }).close(); // released: free again
    }

    @Test
    void staleLockOfADeadProcessIsTakenOverWithAMessage() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.createDirectories(tmp.resolve("ckpt"));
        Files.writeString(tmp.resolve("ckpt").resolve("LOCK"), "{\"host\":\""
                + java.net.InetAddress.getLocalHost().getHostName() + "\",\"pid\":" + dead.pid()
                + ",\"startedAt\":\"then\"}");
        List<String> log = new ArrayList<>();
        store().lock(Duration.ofMinutes(5), log::add).close();
        assertEquals(1, log.size());
        assertTrue(log.get(0).contains("stale lock of pid " + dead.pid()) && log.get(0).contains("not running"),
                log.get(0));
    }

    @Test
    void lockWithoutHeartbeatIsStale() throws Exception {
        Files.createDirectories(tmp.resolve("ckpt"));
        Path lock = Files.writeString(tmp.resolve("ckpt").resolve("LOCK"),
                "{\"host\":\"another-host\",\"pid\":1,\"startedAt\":\"then\"}");
        assertThrows(CheckpointLockedException.class, () -> store().lock(Duration.ofMinutes(5), m -> { }));
        Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 600_000));
        List<String> log = new ArrayList<>();
        store().lock(Duration.ofMinutes(5), log::add).close();
        assertTrue(log.get(0).contains("no heartbeat"), log.toString());
    }

    @Test
    void stateSurvivesItsJsonRoundTrip() throws IOException {
        CheckpointStore store = store();
        Network n = net(4);
        CheckpointState s = new CheckpointState(1, 4, 28, OneCyclePolicy.builder().setLrMax(0.3).optPctStart(0.25)
                .optStyle(dev.onecycle.schedule.OneCycleStyle.PYTORCH).optThreePhase(true)
                .optAnnealing(dev.onecycle.schedule.Annealing.LINEAR).optMomentum(0.9, 0.8).build(), 10, 9, 7, -5L, 3,
                8, 5, 150, n.paramsSha256(), "now");
        store.write(s, n);
        assertEquals(s, store.newestValid(m -> { }).orElseThrow().state());
    }

    @Test
    void restartsWithoutProgressAreCountedAndProgressResetsTheCount() throws IOException {
        CheckpointStore store = store();
        assertEquals(1, store.recordStart(2));
        assertEquals(2, store.recordStart(2));
        assertEquals(3, store.recordStart(2));
        assertEquals(1, store.recordStart(3), "a start at a newer checkpoint is progress");
        assertEquals(2, store.recordStart(3));
        Files.writeString(tmp.resolve("ckpt").resolve("RESTARTS.json"), "{torn");
        assertEquals(1, store.recordStart(3), "a torn ledger resets, never blocks");
    }
}
