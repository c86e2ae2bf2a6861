package dev.onecycle.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleLearningRate;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.settings.Setting;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checkpoints in a folder on any Hadoop file system ({@code file://}, {@code hdfs://}, {@code s3a://}):
 *
 * <pre>
 * LOCK                       the owning job (see {@link CheckpointLock})
 * epoch-0008/                8 epochs of the cycle done; complete when its MANIFEST.json verifies
 * epoch-0008-round-0120/     8 epochs and 120 averaging rounds of the 9th done (a mid-epoch checkpoint)
 *   model.zip                parameters + updater state (DL4J ModelSerializer)
 *   state.json               {@link CheckpointState}
 *   MANIFEST.json            size and SHA-256 of every file; written last
 * epoch-0009.tmp-&lt;uuid&gt;/     being written, or abandoned by a killed job: never read, removed on the next start
 * </pre>
 *
 * A checkpoint is written under a temporary name, each file synced, the manifest last, then renamed into
 * place. Where rename is not atomic (object stores) the manifest still decides: a folder whose manifest is
 * missing, or whose files do not match it, does not count. Older checkpoints are deleted only after a newer
 * one is complete.
 */
public final class CheckpointStore {
    static final String MODEL = "model.zip";
    static final String STATE = "state.json";
    static final String MANIFEST = "MANIFEST.json";
    private static final Pattern COMPLETE_NAME = Pattern.compile("epoch-(\\d{4,})(?:-round-(\\d{4,}))?");
    private static final String TEMP_MARK = ".tmp-";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Test hook: pause this long after the data files and before the manifest (to kill a job mid-write). */
    static final String PAUSE_BEFORE_MANIFEST = "onecycle.checkpoint.pauseBeforeManifestMillis";

    private final FileSystem fs;
    private final Path dir;

    private CheckpointStore(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /** The store in {@code dir} (any Hadoop path; a plain path is a local folder). Nothing is created yet. */
    public static CheckpointStore open(String dir, Configuration hadoop) throws IOException {
        Path path = new Path(dir);
        FileSystem fs = path.getFileSystem(hadoop);
        if (fs instanceof LocalFileSystem) {
            fs = ((LocalFileSystem) fs).getRawFileSystem(); // no .crc side files: the manifest has checksums
        }
        return new CheckpointStore(fs, fs.makeQualified(path));
    }

    public Path dir() {
        return dir;
    }

    /**
     * Refuses a folder that cannot hold checkpoints, before anything is written: a file, a path under a file,
     * or a file system that cannot be reached (the exception says which). Creates nothing.
     */
    public void checkUsable() throws IOException {
        Path p = dir;
        while (p != null && !fs.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        if (!fs.getFileStatus(p).isDirectory()) {
            throw new IOException(p.equals(dir) ? "is a file, not a folder; give a folder for the checkpoints"
                    : p + " is a file, so no folder can be made under it; give a folder for the checkpoints");
        }
    }

    /** {@code epoch-0008} for 8 completed epochs. */
    public static String nameFor(int epoch) {
        return String.format("epoch-%04d", epoch);
    }

    /**
     * {@code epoch-0008-round-0120} for 8 completed epochs and 120 rounds of the next; {@code epoch-0008} for
     * round 0. Names sort by (epoch, round) as numbers ({@link #candidates}), also past 4 digits.
     */
    public static String nameFor(int epoch, int round) {
        return round == 0 ? nameFor(epoch) : String.format("epoch-%04d-round-%04d", epoch, round);
    }

    /** Takes the folder's lock, creating the folder if needed; see {@link CheckpointLock}. */
    public CheckpointLock lock(Duration staleAfter, Consumer<String> log) throws IOException {
        return CheckpointLock.acquire(fs, dir, staleAfter, log);
    }

    /**
     * Writes a checkpoint of {@code network} at {@code state.epoch()} completed epochs, atomically to readers.
     * On failure the temporary folder is removed, earlier checkpoints are untouched, and the exception names
     * the path.
     */
    public Checkpoint write(CheckpointState state, Network network) throws IOException {
        return write(state, network, Fence.NONE);
    }

    /**
     * {@link #write(CheckpointState, Network)} by the owner of the folder's lock: {@code fence} is checked before
     * the temporary folder is made, before each file, and before the rename that commits it; a
     * {@link LockLostException} stops the write (its temporary folder removed) and is rethrown as it is.
     */
    public Checkpoint write(CheckpointState state, Network network, Fence fence) throws IOException {
        Path target = new Path(dir, nameFor(state.epoch(), state.round()));
        Path tmp = new Path(dir, target.getName() + TEMP_MARK + UUID.randomUUID());
        fence.check();
        try {
            if (!fs.mkdirs(tmp)) {
                throw new IOException("could not create " + tmp);
            }
            List<Map<String, Object>> files = new ArrayList<>();
            fence.check();
            files.add(writeFile(new Path(tmp, MODEL), network::save));
            fence.check();
            files.add(writeFile(new Path(tmp, STATE), out -> out.write(JSON.writeValueAsBytes(state.toJson()))));
            pauseForTests();
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("formatVersion", state.formatVersion());
            manifest.put("files", files);
            fence.check();
            writeFile(new Path(tmp, MANIFEST), out -> out.write(JSON.writeValueAsBytes(manifest)));
            fence.check();
            if (fs.exists(target)) {
                // Only an invalid checkpoint of this epoch can be here (a valid one would have been resumed from).
                fs.delete(target, true);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename of " + tmp + " to " + target + " failed");
            }
            return new Checkpoint(target, state);
        } catch (IOException | RuntimeException | org.apache.hadoop.fs.FSError e) {
            // Hadoop's local file system reports a full disk (ENOSPC) as FSError, an Error: caught here too
            try {
                fs.delete(tmp, true);
            } catch (IOException | RuntimeException | org.apache.hadoop.fs.FSError cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof LockLostException) {
                throw (LockLostException) e;
            }
            throw new IOException("could not write checkpoint " + target + " (" + reason(e)
                    + "); earlier checkpoints are intact", e);
        }
    }

    /** The reason of a failed write: the message of the I/O error an FSError wraps ("No space left on device"). */
    private static String reason(Throwable e) {
        Throwable t = e instanceof org.apache.hadoop.fs.FSError && e.getCause() != null ? e.getCause() : e;
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private interface Body {
        void write(OutputStream out) throws IOException;
    }

    /** Writes one file, synced to the file system before close; returns its manifest entry. */
    private Map<String, Object> writeFile(Path path, Body body) throws IOException {
        MessageDigest sha = sha256();
        long size;
        try (FSDataOutputStream raw = fs.create(path, false)) {
            DigestOutputStream out = new DigestOutputStream(raw, sha);
            body.write(out);
            out.flush();
            raw.hsync();
            size = raw.getPos();
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", path.getName());
        entry.put("size", size);
        entry.put("sha256", HexFormat.of().formatHex(sha.digest()));
        return entry;
    }

    private static void pauseForTests() {
        long ms = Long.getLong(PAUSE_BEFORE_MANIFEST, 0L);
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Complete-looking checkpoint folders ({@code epoch-NNNN}, {@code epoch-NNNN-round-RRRR}), newest first (by
     * epoch, then round); not yet verified.
     */
    public List<Path> candidates() throws IOException {
        if (!fs.exists(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        for (FileStatus st : fs.listStatus(dir)) {
            if (st.isDirectory() && COMPLETE_NAME.matcher(st.getPath().getName()).matches()) {
                out.add(st.getPath());
            }
        }
        out.sort(Comparator.comparingLong(CheckpointStore::positionOf).reversed());
        return out;
    }

    /** (epoch, round) of a checkpoint folder as one sortable number. */
    private static long positionOf(Path p) {
        Matcher m = COMPLETE_NAME.matcher(p.getName());
        return m.matches() ? (Long.parseLong(m.group(1)) << 32) + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)))
                : -1;
    }

    /** True for an epoch-end checkpoint's folder name ({@code epoch-NNNN}, no round). */
    public static boolean isEpochEnd(Path p) {
        Matcher m = COMPLETE_NAME.matcher(p.getName());
        return m.matches() && m.group(2) == null;
    }

    /**
     * The newest checkpoint whose manifest verifies; every newer one that does not is reported by name with the
     * reason. Empty when there is no valid checkpoint.
     */
    public Optional<Checkpoint> newestValid(Consumer<String> report) throws IOException {
        for (Path p : candidates()) {
            try {
                return Optional.of(verify(p));
            } catch (CorruptCheckpointException e) {
                report.accept("skipping checkpoint " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Checks a checkpoint folder: against its manifest (every file present, same size, same SHA-256), its state
     * for consistency ({@link CheckpointState#checkConsistent}: folder name vs epoch, the epoch inside the cycle,
     * iteration = epoch x itersPerEpoch, ...), and its model: a DL4J model whose parameters match
     * {@code paramsSha256} and are finite. Anything else is a {@link CorruptCheckpointException} naming the folder.
     */
    public Checkpoint verify(Path folder) throws IOException {
        verifyManifest(folder);
        Map<String, Object> state;
        try (InputStream in = fs.open(new Path(folder, STATE))) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = JSON.readValue(in, Map.class);
            state = s;
        } catch (IOException e) {
            throw new CorruptCheckpointException(folder + ": " + STATE + " is unreadable (" + e.getMessage() + ")");
        }
        CheckpointState parsed = CheckpointState.fromJson(state, folder.toString());
        parsed.checkConsistent(folder.getName(), folder.toString());
        Checkpoint checkpoint = new Checkpoint(folder, parsed);
        loadModel(checkpoint);
        return checkpoint;
    }

    /**
     * The first of {@link #verify}'s checks alone: every file the manifest lists is present with its size and
     * SHA-256 (the files are as written; whether they agree with each other is the rest of {@link #verify}).
     */
    public void verifyManifest(Path folder) throws IOException {
        Map<?, ?> manifest;
        try (InputStream in = fs.open(new Path(folder, MANIFEST))) {
            manifest = JSON.readValue(in, Map.class);
        } catch (FileNotFoundException e) {
            throw new CorruptCheckpointException(folder + ": no " + MANIFEST + " (incomplete checkpoint)");
        } catch (IOException e) {
            throw new CorruptCheckpointException(folder + ": " + MANIFEST + " is unreadable (" + e.getMessage() + ")");
        }
        Object files = manifest.get("files");
        if (!(files instanceof List) || ((List<?>) files).isEmpty()) {
            throw new CorruptCheckpointException(folder + ": " + MANIFEST + " lists no files");
        }
        for (Object o : (List<?>) files) {
            if (!(o instanceof Map)) {
                throw new CorruptCheckpointException(folder + ": " + MANIFEST + " is malformed");
            }
            Map<?, ?> entry = (Map<?, ?>) o;
            Path file = new Path(folder, String.valueOf(entry.get("name")));
            if (!fs.exists(file)) {
                throw new CorruptCheckpointException(folder + ": " + file.getName()
                        + " is listed in the manifest but missing (incomplete checkpoint)");
            }
            long size = fs.getFileStatus(file).getLen();
            if (!(entry.get("size") instanceof Number) || size != ((Number) entry.get("size")).longValue()) {
                throw new CorruptCheckpointException(folder + ": " + file.getName() + " has " + size
                        + " bytes, the manifest says " + entry.get("size") + " (truncated or changed)");
            }
            String actual = sha256Of(file);
            if (!actual.equals(entry.get("sha256"))) {
                throw new CorruptCheckpointException(folder + ": " + file.getName()
                        + " does not match its SHA-256 in the manifest (corrupt)");
            }
        }
    }

    /** The checkpoint's model; refuses one that no longer matches its manifest or is not a DL4J model. */
    public Network loadModel(Checkpoint checkpoint) throws IOException {
        Path file = new Path(checkpoint.path(), MODEL);
        byte[] bytes;
        try (InputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        } catch (FileNotFoundException e) {
            throw new CorruptCheckpointException(checkpoint.path() + ": no " + MODEL + " (incomplete checkpoint)");
        }
        Network network;
        try {
            network = Network.restore(bytes, file.toString());
        } catch (IOException e) {
            throw new CorruptCheckpointException(e.getMessage());
        }
        String sha = network.paramsSha256();
        if (!sha.equals(checkpoint.state().paramsSha256())) {
            throw new CorruptCheckpointException(checkpoint.path() + ": the parameters of " + MODEL
                    + " do not match paramsSha256 in " + STATE);
        }
        if (!Double.isFinite(network.params().sumNumber().doubleValue())) {
            throw new CorruptCheckpointException(checkpoint.path() + ": " + MODEL
                    + " holds NaN or infinite parameters (a diverged run)");
        }
        checkModelAgreesWithState(checkpoint, network);
        return network;
    }

    /**
     * A model the trainer saved carries its 1cycle (policy, cycle length, itersPerEpoch) and its iteration and
     * epoch counters: they must be what {@code state.json} says, or the state lies about the model (an edited
     * lrMax, a checkpoint renamed to a later epoch with its state edited to match). A model without the
     * 1cycle's schedule (not saved by the trainer) is not compared.
     */
    private static void checkModelAgreesWithState(Checkpoint checkpoint, Network network)
            throws CorruptCheckpointException {
        Optional<OneCycleLearningRate> lr = OneCycleUpdaters.learningRateOf(network);
        if (lr.isEmpty()) {
            return;
        }
        CheckpointState s = checkpoint.state();
        List<String> problems = new ArrayList<>();
        SettingValues model = Settings.of(lr.get().policy(), SettingValues.empty());
        for (Setting<?> setting : model.differing(s.settings(), Settings.POLICY)) {
            problems.add(setting.name() + " " + model.text(setting) + " in " + MODEL + ", "
                    + s.settings().text(setting) + " in " + STATE);
        }
        if (lr.get().slice().totEpochs() != s.totEpochs() || lr.get().slice().itersPerEpoch() != s.itersPerEpoch()) {
            problems.add("a cycle of " + lr.get().slice().totEpochs() + " epochs x " + lr.get().slice().itersPerEpoch()
                    + " iterations in " + MODEL + ", " + s.totEpochs() + " x " + s.itersPerEpoch() + " in " + STATE);
        }
        if (network.iterationCount() != s.iteration() || network.epochCount() != s.epoch()) {
            problems.add("iteration " + network.iterationCount() + " of epoch " + network.epochCount() + " in " + MODEL
                    + ", iteration " + s.iteration() + " of epoch " + s.epoch() + " in " + STATE);
        }
        if (!problems.isEmpty()) {
            throw new CorruptCheckpointException(checkpoint.path() + ": " + STATE + " does not describe " + MODEL
                    + " (" + String.join("; ", problems) + ")");
        }
    }

    /**
     * Deletes complete checkpoints beyond the {@code keep} newest valid ones, mid-epoch and epoch-end ones
     * counted alike, except the newest valid epoch-end checkpoint, which stays until a newer epoch-end one
     * exists. Folders that do not verify are never counted as the newest and never deleted here (they are
     * evidence; a person decides).
     */
    public List<Path> prune(int keep) throws IOException {
        return prune(keep, Fence.NONE);
    }

    /** {@link #prune(int)} by the lock's owner: {@code fence} is checked before each deletion. */
    public List<Path> prune(int keep, Fence fence) throws IOException {
        fence.check();
        List<Path> deleted = new ArrayList<>();
        int valid = 0;
        boolean epochEndSeen = false;
        for (Path p : candidates()) {
            try {
                verifyCheap(p);
            } catch (CorruptCheckpointException e) {
                continue;
            }
            valid++;
            boolean newestEpochEnd = !epochEndSeen && isEpochEnd(p);
            epochEndSeen |= isEpochEnd(p);
            if (valid > keep && !newestEpochEnd) {
                fence.check();
                fs.delete(p, true);
                deleted.add(p);
            }
        }
        return deleted;
    }

    /** Manifest present and every file of the listed size: enough to count a folder as complete for pruning. */
    private void verifyCheap(Path folder) throws IOException {
        Map<?, ?> manifest;
        try (InputStream in = fs.open(new Path(folder, MANIFEST))) {
            manifest = JSON.readValue(in, Map.class);
        } catch (IOException e) {
            throw new CorruptCheckpointException(folder + ": no readable manifest");
        }
        for (Object o : (List<?>) manifest.get("files")) {
            Map<?, ?> entry = (Map<?, ?>) o;
            Path file = new Path(folder, String.valueOf(entry.get("name")));
            if (!fs.exists(file) || fs.getFileStatus(file).getLen() != ((Number) entry.get("size")).longValue()) {
                throw new CorruptCheckpointException(folder + ": incomplete");
            }
        }
    }

    /**
     * Records that a job starts at {@code epoch} completed epochs (see {@link RestartLedger}) and returns how
     * many starts in a row began at that epoch. Call while holding the lock.
     */
    public int recordStart(int epoch) throws IOException {
        return RestartLedger.recordStart(fs, dir, epoch, 0);
    }

    /** {@link #recordStart(int)} at {@code round} rounds into epoch {@code epoch} (a mid-epoch checkpoint). */
    public int recordStart(int epoch, int round) throws IOException {
        return RestartLedger.recordStart(fs, dir, epoch, round);
    }

    /**
     * Records that the job stopped gracefully at a checkpoint (a SIGTERM, a preemption): the next start is not
     * counted as a restart without progress. Call while holding the lock.
     */
    public void recordGracefulStop() throws IOException {
        RestartLedger.recordGracefulStop(fs, dir);
    }

    /** Removes temporary folders of abandoned writes (call while holding the lock). */
    public List<Path> cleanTemporaries() throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!fs.exists(dir)) {
            return removed;
        }
        for (FileStatus st : fs.listStatus(dir)) {
            if (st.getPath().getName().contains(TEMP_MARK)) {
                fs.delete(st.getPath(), true);
                removed.add(st.getPath());
            }
        }
        return removed;
    }

    private String sha256Of(Path file) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = fs.open(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
