package dev.onecycle.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code RESTARTS.json} in the checkpoint folder: how many times in a row a job has started from the same
 * checkpoint without writing a newer one. A driver that fails the same way on every restart (under
 * {@code --supervise} the master relaunches it forever) is stopped after a limit instead of looping.
 */
public final class RestartLedger {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NAME = "RESTARTS.json";

    private RestartLedger() {
    }

    /**
     * Records a start at {@code epoch} completed epochs and {@code round} rounds of the next (a mid-epoch
     * checkpoint; 0 otherwise) and returns how many starts in a row began there (1 for the first; a start at
     * another position — progress — or after a graceful stop resets the count).
     */
    static int recordStart(FileSystem fs, Path dir, int epoch, int round) throws IOException {
        Path file = new Path(dir, NAME);
        int starts = 1;
        if (fs.exists(file)) {
            try (InputStream in = fs.open(file)) {
                Map<?, ?> m = JSON.readValue(in, Map.class);
                int was = m.get("round") instanceof Number ? ((Number) m.get("round")).intValue() : 0;
                if (m.get("epoch") instanceof Number && ((Number) m.get("epoch")).intValue() == epoch && was == round
                        && m.get("startsWithoutProgress") instanceof Number) {
                    starts = ((Number) m.get("startsWithoutProgress")).intValue() + 1;
                }
            } catch (IOException | RuntimeException unreadable) {
                starts = 1; // a torn ledger only resets the count
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("startsWithoutProgress", starts);
        m.put("lastStart", Instant.now().toString());
        m.put("round", round);
        write(fs, dir, m);
        return starts;
    }

    /**
     * A job that stopped gracefully at a checkpoint (SIGTERM: preemption, eviction, an operator) did not fail:
     * the count of starts without progress goes back to 0, so its restart is not taken for a crash loop.
     */
    static void recordGracefulStop(FileSystem fs, Path dir) throws IOException {
        Path file = new Path(dir, NAME);
        Map<String, Object> m = new LinkedHashMap<>();
        if (fs.exists(file)) {
            try (InputStream in = fs.open(file)) {
                Map<?, ?> old = JSON.readValue(in, Map.class);
                for (Map.Entry<?, ?> e : old.entrySet()) {
                    m.put(String.valueOf(e.getKey()), e.getValue());
                }
            } catch (IOException | RuntimeException unreadable) {
                m.clear();
            }
        }
        m.put("startsWithoutProgress", 0);
        m.put("gracefulStop", Instant.now().toString());
        write(fs, dir, m);
    }

    private static void write(FileSystem fs, Path dir, Map<String, Object> m) throws IOException {
        Path file = new Path(dir, NAME);
        Path tmp = new Path(dir, "." + NAME + ".tmp");
        try (OutputStream out = fs.create(tmp, true)) {
            out.write(JSON.writeValueAsBytes(m));
        } catch (IOException | org.apache.hadoop.fs.FSError e) { // a full local disk is an FSError
            try {
                fs.delete(tmp, false);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            Throwable t = e instanceof org.apache.hadoop.fs.FSError && e.getCause() != null ? e.getCause() : e;
            throw new IOException(t.getMessage(), e);
        }
        fs.delete(file, false);
        fs.rename(tmp, file);
    }
}
