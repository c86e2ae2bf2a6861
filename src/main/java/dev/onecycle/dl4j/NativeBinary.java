package dev.onecycle.dl4j;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nd4j-native binary this JVM loaded (issue 26: spark-submit/lib-native.sh picks one by
 * {@code org.bytedeco.javacpp.platform.extension}, and JavaCPP falls back to the generic binary when the picked
 * variant's jar is missing): one INFO line per JVM, the first time a {@link Network} is made (on the driver and
 * on each executor), e.g. {@code nd4j-native binary: linux-x86_64-onednn (DL4J helpers on)}.
 */
public final class NativeBinary {
    private static final Logger LOG = LoggerFactory.getLogger(NativeBinary.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private NativeBinary() {
    }

    /** The platform folder of the loaded libnd4jcpu (linux-x86_64, linux-x86_64-onednn...), or "unknown". */
    public static String loaded() {
        for (Map.Entry<String, String> e : org.bytedeco.javacpp.Loader.getLoadedLibraries().entrySet()) {
            String path = e.getValue() == null ? "" : e.getValue();
            int lib = path.lastIndexOf("/libnd4jcpu");
            if (lib > 0) {
                return path.substring(path.lastIndexOf('/', lib - 1) + 1, lib);
            }
        }
        return "unknown";
    }

    /** The line logged: the binary, and whether DL4J's helpers (oneDNN conv/pool with the onednn binary) are on. */
    public static String describe() {
        boolean helpers = !Boolean.parseBoolean(System.getProperty("org.eclipse.deeplearning4j.helpers.disable", "true"));
        return "nd4j-native binary: " + loaded() + " (DL4J helpers " + (helpers ? "on" : "off") + ")";
    }

    /** Logs {@link #describe()} once per JVM (ND4J must be initialised: call after creating an array). */
    static void logOnce() {
        if (LOGGED.compareAndSet(false, true)) {
            try {
                LOG.info(describe());
            } catch (Throwable t) {
                LOG.debug("could not tell the nd4j-native binary", t);
            }
        }
    }
}
