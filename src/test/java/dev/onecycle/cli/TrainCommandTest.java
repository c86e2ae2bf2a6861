package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training job from the command line: outputs of a real (small) run, and one-line refusals of bad input. */
class TrainCommandTest {

    @Test
    void smallRunWritesScheduleMetricsAndModel(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "2",
                "--max-examples", "300", "--batch-size", "25", "--hidden", "16", "--run-dir", run.toString());
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        assertTrue(r.out().contains("test accuracy"), r.out());

        List<String> applied = Files.readAllLines(run.resolve("applied-schedule.csv"));
        assertEquals("iteration,epoch,lr,momentum,worker,round,score,device", applied.get(0));
        assertTrue(applied.subList(1, applied.size()).stream().allMatch(row -> row.endsWith(",cpu")),
                "no GPU assigned in local mode: every step on the cpu");
        // 300 examples / 2 workers / batch 25 = 6 iterations per epoch, 2 epochs, 2 workers
        assertEquals(1 + 6 * 2 * 2, applied.size());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals("epoch,iterations,train_loss,test_accuracy,seconds", metrics.get(0));
        assertEquals(3, metrics.size());
        assertTrue(metrics.get(2).startsWith("1,12,"), metrics.get(2));
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(run.resolve("training.png").toFile());
        assertTrue(png.getWidth() > 0 && png.getHeight() > png.getWidth(), "four stacked charts");
        Network model = Network.restore(run.resolve("model.zip").toFile());
        assertEquals(12, model.iterationCount());
        assertEquals(2, model.epochCount());
        try (Stream<Path> files = Files.list(run)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".inprogress")));
        }

        byte[] before = Files.readAllBytes(run.resolve("model.zip"));
        CliRun again = CliRun.of("train", "--master", "local[2]", "--tot-epochs", "2", "--max-examples", "300",
                "--run-dir", run.toString());
        assertRefused(again, "--run-dir", "already holds", "--overwrite");
        assertArrayEquals(before, Files.readAllBytes(run.resolve("model.zip")), "the earlier run is untouched");
    }

    /** 240 examples of the shipped sample written as CSV and as LIBSVM. */
    private static void writeSample(Path csv, Path libsvm) throws IOException {
        dev.onecycle.data.LabeledImages images = dev.onecycle.data.FashionMnist.sample().train().head(240);
        StringBuilder c = new StringBuilder("label");
        for (int j = 0; j < images.features(); j++) {
            c.append(",p").append(j);
        }
        c.append('\n');
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            float[] x = images.featuresOf(i);
            c.append(images.label(i));
            l.append(images.label(i));
            for (int j = 0; j < x.length; j++) {
                c.append(',').append(x[j]);
                if (x[j] != 0f || j == x.length - 1) {
                    l.append(' ').append(j + 1).append(':').append(x[j]);
                }
            }
            c.append('\n');
            l.append('\n');
        }
        Files.writeString(csv, c);
        Files.writeString(libsvm, l);
    }

    @Test
    void csvAndLibsvmDataTrainThroughTheSameJob(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("sample.csv");
        Path libsvm = tmp.resolve("sample.libsvm");
        writeSample(csv, libsvm);
        for (Path data : List.of(csv, libsvm)) {
            Path run = tmp.resolve("run-" + data.getFileName());
            CliRun r = CliRun.of("train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "1",
                    "--batch-size", "16", "--hidden", "8", "--data", data.toString(), "--run-dir", run.toString());
            assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
            assertTrue(r.out().contains("(" + (data == csv ? "csv" : "libsvm") + ")"), r.out());
            // 80% of 240 = 192 training examples over 2 workers in batches of 16: 6 steps
            assertEquals(1 + 6 * 2, Files.readAllLines(run.resolve("applied-schedule.csv")).size());
        }
    }

    @Test
    void csvWithoutTheLabelColumnIsRefused(@TempDir Path tmp) throws IOException {
        Path csv = Files.writeString(tmp.resolve("bad.csv"), "a,b\n1,2\n3,4\n");
        assertRefused(CliRun.of("train", "--data", csv.toString(), "--run-dir", tmp.resolve("run").toString()),
                "--data", "bad.csv", "label");
        assertRefused(CliRun.of("train", "--data", csv.toString(), "--data-format", "xls"), "--data-format", "xls");
    }

    @Test
    void dataOfAnUnknownFormatIsRefusedNamingTheFlagThatSetsTheFormat(@TempDir Path tmp) throws IOException {
        Path json = Files.writeString(tmp.resolve("data.json"), "{}");
        CliRun run = CliRun.of("train", "--data", json.toString(), "--run-dir", tmp.resolve("run").toString());
        assertRefused(run, "--data: ", "data.json", "give --data-format, one of idx, libsvm, csv, parquet");
        assertFalse(run.err().contains("dataFormat"), run.err());
    }

    @Test
    void missingDataFolderIsRefused(@TempDir Path tmp) {
        assertRefused(CliRun.of("train", "--data", tmp.resolve("nope").toString(), "--run-dir",
                tmp.resolve("run").toString()), "--data", "does not exist");
        assertFalse(Files.exists(tmp.resolve("run")), "no run folder for a refused run");
    }

    @Test
    void corruptDataFileIsNamed(@TempDir Path tmp) throws IOException {
        Path data = Files.createDirectories(tmp.resolve("data"));
        for (String name : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            Files.write(data.resolve(name), new byte[] {0, 0, 8, 3, 0, 0});
        }
        assertRefused(CliRun.of("train", "--data", data.toString(), "--run-dir", tmp.resolve("run").toString()),
                "--data", "train-images-idx3-ubyte", "truncated");
    }

    @Test
    void modelInThatIsNotAModelIsRefused(@TempDir Path tmp) throws IOException {
        Path junk = Files.writeString(tmp.resolve("model.zip"), "not a model");
        assertRefused(CliRun.of("train", "--model-in", junk.toString(), "--run-dir", tmp.resolve("run").toString()),
                "--model-in", "model.zip");
        assertRefused(CliRun.of("train", "--model-in", tmp.resolve("missing.zip").toString()), "--model-in",
                "does not exist");
    }

    @Test
    void modelInOfTheWrongShapeIsRefused(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("small.zip");
        FashionMlp.create(100, 8, 10, 1).save(model.toFile());
        assertRefused(CliRun.of("train", "--model-in", model.toString(), "--run-dir", tmp.resolve("run").toString()),
                "--model-in", "does not fit the data", "784 features");
    }

    @Test
    void sliceOutsideTheCycleIsRefused() {
        assertRefused(CliRun.of("train", "--tot-epochs", "5", "--start-epoch", "5"), "--start-epoch", "5");
        assertRefused(CliRun.of("train", "--tot-epochs", "5", "--start-epoch", "3", "--epochs", "3"), "--epochs");
    }

    @Test
    void badFlagsAreRefused() {
        assertRefused(CliRun.of("train", "--batch-size", "0"), "--batch-size");
        assertRefused(CliRun.of("train", "--lr-max", "-0.1"), "--lr-max");
        assertRefused(CliRun.of("train", "--workers", "two"), "--workers");
        assertRefused(CliRun.of("train", "--bogus"), "--bogus");
        assertRefused(CliRun.of("train", "--style", "keras"), "--style", "fastai, fastai2, pytorch");
        assertRefused(CliRun.of("train", "--master", "foo"), "--master", "local[*]", "'foo'");
    }

    @Test
    void crashLoopStopsAfterMaxRestartsWithoutProgress(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("run");
        String[] first = {"train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "3", "--epochs", "1",
            "--max-examples", "200", "--batch-size", "25", "--hidden", "8", "--run-dir", run.toString()};
        assertEquals(Main.EXIT_OK, CliRun.of(first).exitCode());
        // the driver died three times in a row right after starting at epoch 1 (what --supervise would relaunch)
        Files.writeString(run.resolve("checkpoints/RESTARTS.json"), "{\"epoch\":1,\"startsWithoutProgress\":4}");
        String[] resume = {"train", "--master", "local[2]", "--workers", "2", "--tot-epochs", "3", "--max-examples",
            "200", "--batch-size", "25", "--hidden", "8", "--run-dir", run.toString(), "--resume"};
        CliRun r = CliRun.of(resume);
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.err());
        assertTrue(r.err().contains("restarted 4 times at epoch 1") && r.err().contains("--max-restarts 3"), r.err());
        assertFalse(Files.exists(run.resolve("checkpoints/epoch-0002")), "it stopped before training");

        System.setProperty("spark.driver.supervise", "true");
        try {
            CliRun supervised = CliRun.of(resume);
            assertEquals(Main.EXIT_OK, supervised.exitCode(), "exit 0 ends --supervise's relaunch loop");
            assertTrue(supervised.err().contains("giving up") && supervised.err().contains("--supervise"),
                    supervised.err());
        } finally {
            System.clearProperty("spark.driver.supervise");
        }
        String[] higherLimit = java.util.stream.Stream.concat(java.util.Arrays.stream(resume),
                java.util.stream.Stream.of("--max-restarts", "10")).toArray(String[]::new);
        assertEquals(Main.EXIT_OK, CliRun.of(higherLimit).exitCode(), "a higher limit lets it go on");
        assertTrue(Files.exists(run.resolve("checkpoints/epoch-0003")));
    }
}
