package dev.onecycle.dl4j;

import java.io.IOException;

/**
 * A model zip that {@link ModelZip} refuses to read: an entry DL4J would Java-deserialize (or instantiate classes
 * from), an entry a DL4J model does not have, or sizes past the loader's limits (a zip bomb). The message names
 * the file and the entry; nothing of the refused entry was read.
 */
public final class RefusedModelException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String entry;

    RefusedModelException(String entry, String message) {
        super(message);
        this.entry = entry;
    }

    /** The zip entry that was refused (null when the refusal is about the whole zip). */
    public String entry() {
        return entry;
    }
}
