package dev.onecycle.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;

/**
 * Where a plot goes: the path is checked before anything is computed, and the file is written to a temporary
 * file in the same directory and then renamed over the target, so a failure never leaves a partial file (nor
 * replaces a good one).
 */
final class PngFiles {
    private PngFiles() {
    }

    /** Writes the content to an output stream; may fail half-way. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * The target of {@code flag}'s value, or a {@link CliErrors.UsageException} saying why it cannot be
     * written: not ending in {@code .png}, a directory, in a missing or unwritable directory, or read-only.
     */
    static Path checkTarget(String flag, String value) {
        Path target;
        try {
            target = Paths.get(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new CliErrors.UsageException(flag, "not a valid path: '" + value + "'");
        }
        Path name = target.getFileName();
        if (name == null || !name.toString().toLowerCase(Locale.ROOT).endsWith(".png")
                || name.toString().length() <= ".png".length()) {
            throw new CliErrors.UsageException(flag, "expected a file name ending in .png, got '" + value + "'");
        }
        if (Files.isDirectory(target)) {
            throw new CliErrors.UsageException(flag, "'" + value + "' is a directory");
        }
        Path dir = target.getParent();
        if (!Files.exists(dir)) {
            throw new CliErrors.UsageException(flag, "directory '" + dir + "' does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new CliErrors.UsageException(flag, "'" + dir + "' is not a directory");
        }
        if (!Files.isWritable(dir)) {
            throw new CliErrors.UsageException(flag, "directory '" + dir + "' is not writable");
        }
        if (Files.exists(target) && !Files.isWritable(target)) {
            throw new CliErrors.UsageException(flag, "'" + value + "' exists and is not writable");
        }
        return target;
    }

    /**
     * Writes {@code content} to a temporary file next to {@code target}, then renames it to {@code target}
     * (atomically where the file system can). On failure the temporary file is removed and {@code target} is
     * left as it was.
     */
    static void writeAtomically(Path target, Content content) throws IOException {
        Path dir = target.getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.writeTo(out);
            }
            keepPermissions(tmp, target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The temporary file is private (rw-------): give it the target's permissions, or rw-r--r--. */
    private static void keepPermissions(Path tmp, Path target) {
        try {
            Set<PosixFilePermission> perms = Files.exists(target) ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system, or not ours to change: keep the defaults.
        }
    }

    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        writeAtomically(target, out -> out.write(bytes));
    }
}
