package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real driver processes (issue 11): stopped with SIGTERM they end with one line saying where and how to resume,
 * and the resume works; given bad data they print the one refusal line and none of Spark's task failures.
 */
class StopAndBadDataOutputTest {
    private static final Duration RUN = Duration.ofMinutes(4);

    private static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static void assertNoStackTrace(String output) {
        assertFalse(output.lines().filter(l -> !l.startsWith("onecycle: "))
                .anyMatch(l -> l.startsWith("\tat ") || l.contains("Exception")),
                "no stack trace, no exception in:\n" + output);
    }

    @Test
    void sigtermStopsWithOneLineSayingWhereAndHowToResume(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        // epochs of several seconds (a Spark job per minibatch step), so the signal lands inside epoch 2
        List<String> args = new ArrayList<>(List.of("--master", "local[2]", "--workers", "2", "--tot-epochs", "3",
                "--max-examples", "2400", "--batch-size", "4", "--hidden", "24", "--averaging-frequency", "1",
                "--averaging", "driver", "--run-dir", run.toString()));
        String output;
        try (ChildJob job = ChildJob.start(tmp.resolve("stopped.log"), List.of(), args.toArray(new String[0]))) {
            job.awaitOutput(out -> out.contains("checkpoint epoch-0001 written"), RUN);
            Thread.sleep(300); // in epoch 2
            ProcessHandle.of(job.pid()).orElseThrow().destroy(); // SIGTERM
            int exit = job.await(Duration.ofMinutes(2));
            output = job.output();
            assertEquals(dev.onecycle.cli.Main.EXIT_STOPPED_AT_CHECKPOINT, exit, output);
        }
        List<String> ours = output.lines().filter(l -> l.startsWith("onecycle: ")).toList();
        assertEquals(1, ours.size(), output);
        String line = ours.get(0);
        assertTrue(line.startsWith("onecycle: stopped by SIGTERM in epoch 2/3")
                && line.contains("wrote checkpoint epoch-0001-round-") && line.contains("--resume")
                && line.length() < 400, line);
        assertNoStackTrace(output);
        assertFalse(Files.exists(run.resolve("checkpoints/LOCK")), "lock released: " + files(run));
        for (String f : files(run)) {
            assertFalse(f.contains(".tmp-") || f.endsWith(".model.zip.inprogress")
                    || f.endsWith(".training.png.inprogress"), "nothing half-written left: " + files(run));
        }
        assertFalse(Files.exists(run.resolve("model.zip")), "a stopped run is not a finished one");

        args.add("--resume");
        try (ChildJob job = ChildJob.start(tmp.resolve("resumed.log"), List.of(), args.toArray(new String[0]))) {
            assertEquals(0, job.await(RUN), job.output());
            assertTrue(job.output().contains("resuming from") && job.output().contains("epoch-0001"), job.output());
        }
        assertEquals(3, Network.restore(run.resolve("model.zip").toFile()).epochCount());
        assertEquals(4, Files.readAllLines(run.resolve("metrics.csv")).size(), "epoch 0's row kept, 1 and 2 added");
    }

    @Test
    void ctrlCWithoutCheckpointsLeavesNoTemporaryFileAndSaysToStartOver(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        String output;
        try (ChildJob job = ChildJob.start(tmp.resolve("interrupted.log"), List.of(), "--master", "local[2]",
                "--workers", "2", "--tot-epochs", "3", "--max-examples", "2400", "--batch-size", "4", "--hidden", "24",
                "--averaging-frequency", "1", "--averaging", "driver", "--keep-checkpoints", "0", "--run-dir",
                run.toString())) {
            job.awaitOutput(out -> out.contains("epoch 1/3  iter"), RUN);
            new ProcessBuilder("kill", "-INT", Long.toString(job.pid())).inheritIO().start().waitFor();
            int exit = job.await(Duration.ofMinutes(2));
            output = job.output();
            assertEquals(130, exit, output);
        }
        List<String> ours = output.lines().filter(l -> l.startsWith("onecycle: ")).toList();
        assertEquals(1, ours.size(), output);
        assertTrue(ours.get(0).startsWith("onecycle: stopped by SIGINT in epoch 1/3")
                && ours.get(0).contains("no checkpoint was written") && ours.get(0).contains("start over"), ours.get(0));
        assertNoStackTrace(output);
        assertEquals(List.of(""), files(run), "no .inprogress file: nothing to resume, nothing kept");
    }

    @Test
    void badLibsvmIndexPrintsOnlyTheRefusalLine(@TempDir Path tmp) throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            data.append(i % 2).append(" 1:0.5 2:").append(i).append('\n');
        }
        data.append("1 0:1.0 3:2.0\n");
        Path libsvm = Files.writeString(tmp.resolve("zero-index.libsvm"), data);
        try (ChildJob job = ChildJob.start(tmp.resolve("libsvm.log"), List.of(), "--master", "local[2]", "--data",
                libsvm.toString(), "--run-dir", tmp.resolve("run").toString())) {
            int exit = job.await(RUN);
            String output = job.output();
            assertEquals(2, exit, output);
            assertNoStackTrace(output);
            assertFalse(output.contains("Lost task") || output.contains("TaskSetManager"), output);
            List<String> lines = output.lines().filter(l -> l.startsWith("onecycle: ")).toList();
            assertEquals(1, lines.size(), output);
            assertTrue(lines.get(0).contains("--data") && lines.get(0).contains("zero-index.libsvm line 51")
                    && lines.get(0).contains("index 0"), lines.get(0));
        }
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void corruptParquetPrintsOnlyTheRefusalLine(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("data.parquet");
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                .appName("corrupt-parquet").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<org.apache.spark.sql.Row> rows = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                rows.add(org.apache.spark.sql.RowFactory.create((double) (i % 2),
                        org.apache.spark.ml.linalg.Vectors.dense(i, i * 0.5, 1.0 / (i + 1))));
            }
            spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
                    .add("label", org.apache.spark.sql.types.DataTypes.DoubleType)
                    .add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType()))
                    .coalesce(1).write().parquet(dir.toString());
        } finally {
            spark.stop();
        }
        Path part;
        try (Stream<Path> s = Files.list(dir)) {
            part = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(part);
        for (int i = 4; i < bytes.length / 2; i++) { // the data pages; the footer (schema) stays readable
            bytes[i] = (byte) 0xA5;
        }
        Files.write(part, bytes);
        Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc")); // let the reader meet the bytes
        try (ChildJob job = ChildJob.start(tmp.resolve("parquet.log"), List.of(), "--master", "local[2]", "--data",
                dir.toString(), "--run-dir", tmp.resolve("run").toString())) {
            int exit = job.await(RUN);
            String output = job.output();
            assertEquals(2, exit, output);
            assertNoStackTrace(output);
            assertFalse(output.contains("Lost task") || output.contains("TaskSetManager"), output);
            List<String> lines = output.lines().filter(l -> l.startsWith("onecycle: ")).toList();
            assertEquals(1, lines.size(), output);
            assertTrue(lines.get(0).contains("--data") && lines.get(0).contains("data.parquet")
                    && lines.get(0).contains("cannot read it as Parquet"), lines.get(0));
        }
    }
}
