package dev.onecycle.checkpoint;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code faulty://} with one injected fault at a time, in the manner
 * of Spark's {@code CreateAtomicTestManager}: fail creating a file whose name matches, fail before or after
 * the rename, or rename the way object stores do (copy, then delete) and crash halfway.
 */
public class FaultyFileSystem extends RawLocalFileSystem {
    public enum Fault { NONE, DISK_FULL_ON, FAIL_BEFORE_RENAME, FAIL_AFTER_RENAME, NON_ATOMIC_RENAME_CRASH }

    static volatile Fault fault = Fault.NONE;
    /** For DISK_FULL_ON: the file name whose creation fails. For NON_ATOMIC_RENAME_CRASH: the one file copied. */
    static volatile String target = "";

    static void reset() {
        fault = Fault.NONE;
        target = "";
    }

    /** For tests in other packages (a whole job run in-process): inject {@code f} on {@code name}. */
    public static void inject(Fault f, String name) {
        target = name;
        fault = f;
    }

    /** No fault. */
    public static void clear() {
        reset();
    }

    @Override
    public URI getUri() {
        return URI.create("faulty:///");
    }

    @Override
    public String getScheme() {
        return "faulty";
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
            short replication, long blockSize, Progressable progress) throws IOException {
        if (fault == Fault.DISK_FULL_ON && f.getName().equals(target)) {
            throw new IOException("No space left on device"); // as the real one: no path
        }
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
            Progressable progress) throws IOException {
        if (fault == Fault.DISK_FULL_ON && f.getName().equals(target)) {
            throw new IOException("No space left on device"); // as the real one: no path
        }
        return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        switch (fault) {
            case FAIL_BEFORE_RENAME:
                throw new IOException("injected failure before renaming " + src);
            case FAIL_AFTER_RENAME: {
                boolean ok = super.rename(src, dst);
                throw new IOException("injected failure after renaming " + src + " (rename returned " + ok + ")");
            }
            case NON_ATOMIC_RENAME_CRASH: {
                // copy-then-delete, crashing after copying only some files (the manifest among them)
                mkdirs(dst);
                FileUtil.copy(this, new Path(src, target), this, new Path(dst, target), false, getConf());
                throw new IOException("injected crash halfway through a copying rename of " + src);
            }
            default:
                return super.rename(src, dst);
        }
    }
}
