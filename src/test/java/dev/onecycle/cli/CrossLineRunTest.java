package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two Spark lines (Spark 4 / Scala 2.13 and Spark 3.5 / Scala 2.12) agree bitwise and read each other's files.
 * src/test/resources/cross-line/spark-LINE/ holds what one small run wrote on each line: its applied-schedule.csv,
 * the final parameters' SHA-256, its model.zip and its epoch-1 checkpoint. On either line:
 * <ul>
 *   <li>the same run ends with every row of applied-schedule.csv and every parameter bit equal to both lines';</li>
 *   <li>each line's model.zip loads, with those parameters;</li>
 *   <li>each line's checkpoint verifies, and a run resumed from it ends equal to the uninterrupted run.</li>
 * </ul>
 * The fixtures are written by running this class with {@code -Donecycle.crossline.write=src/test/resources/cross-line}
 * on each line (mvn [-P spark-3.5] test -Dtest=CrossLineRunTest,CrossLinePipelineTest -Donecycle.crossline.write=...).
 */
class CrossLineRunTest {
    static final Path FIXTURES = Paths.get("src/test/resources/cross-line");
    static final List<String> LINES = List.of("3.5", "4");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The line this build is: 4 (Scala 2.13) or 3.5 (Scala 2.12). */
    static String line() {
        return scala.util.Properties.versionNumberString().startsWith("2.12.") ? "3.5" : "4";
    }

    /** The folder to write this line's fixtures to, or null when comparing. */
    static Path writeTo() {
        String w = System.getProperty("onecycle.crossline.write", "");
        return w.isEmpty() ? null : Paths.get(w).resolve("spark-" + line());
    }

    private static CliRun train(Path run, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--master", "local[2]", "--workers", "2",
                "--tot-epochs", "2", "--max-examples", "200", "--batch-size", "25", "--hidden", "8",
                "--run-dir", run.toString()));
        args.addAll(List.of(extra));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        return r;
    }

    static String paramsSha(Network n) throws Exception {
        float[] p = n.params().dup().data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(p.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : p) {
            b.putFloat(f);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    private static Path epochOneCheckpoint(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run)) {
            return s.filter(p -> p.getFileName().toString().equals("epoch-0001") && Files.isDirectory(p)).findFirst()
                    .orElseThrow(() -> new AssertionError("no epoch-0001 checkpoint under " + run));
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void theSameRunIsBitwiseEqualOnBothLinesAndEachLinesModelAndCheckpointLoadOnTheOther() throws Exception {
        Path run = tmp.resolve("run");
        train(run, "--checkpoint-dir", tmp.resolve("ckpt").toString());
        List<String> applied = Files.readAllLines(run.resolve("applied-schedule.csv"));
        String sha = paramsSha(Network.restore(run.resolve("model.zip").toFile()));

        Path out = writeTo();
        if (out != null) {
            Files.createDirectories(out);
            Files.write(out.resolve("applied-schedule.csv"), applied);
            Files.writeString(out.resolve("params.sha256"), sha + "\n");
            Files.copy(run.resolve("model.zip"), out.resolve("model.zip"), StandardCopyOption.REPLACE_EXISTING);
            copyTree(epochOneCheckpoint(tmp.resolve("ckpt")), out.resolve("checkpoint/epoch-0001"));
            return;
        }

        for (String written : LINES) {
            Path f = FIXTURES.resolve("spark-" + written);
            String what = "Spark " + written + "'s fixture, read on Spark " + line();
            assertEquals(Files.readAllLines(f.resolve("applied-schedule.csv")), applied,
                    what + ": every applied-schedule.csv row equal");
            assertEquals(Files.readString(f.resolve("params.sha256")).strip(), sha, what + ": parameters bitwise");
            assertEquals(sha, paramsSha(Network.restore(f.resolve("model.zip").toFile())), what + ": model.zip");

            CliRun inspect = CliRun.of("inspect", f.resolve("checkpoint/epoch-0001").toString());
            assertEquals(Main.EXIT_OK, inspect.exitCode(), inspect.err());
            JsonNode j = JSON.readTree(inspect.out());
            assertEquals(1, j.get("epoch").asInt(), inspect.out());
            assertTrue(j.get("manifestVerified").asBoolean(), inspect.out());

            // resume from the other line's epoch-1 checkpoint: ends as the uninterrupted run
            Path ckpt = tmp.resolve("resume-ckpt-" + written);
            copyTree(f.resolve("checkpoint"), ckpt);
            Path resumed = tmp.resolve("resumed-" + written);
            train(resumed, "--checkpoint-dir", ckpt.toString(), "--resume");
            assertEquals(sha, paramsSha(Network.restore(resumed.resolve("model.zip").toFile())),
                    what + ": resumed from its checkpoint = uninterrupted");
        }
    }
}
