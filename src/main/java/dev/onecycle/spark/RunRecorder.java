package dev.onecycle.spark;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Writes {@code applied-schedule.csv} and {@code metrics.csv} as training goes (flushed every round and
 * epoch, under temporary names), and evaluates test accuracy after each epoch. A resumed run keeps the rows
 * an interrupted run wrote before its checkpoint, so the files cover the whole cycle.
 */
final class RunRecorder implements TrainingObserver, AutoCloseable {
    static final String METRICS_HEADER = "epoch,iterations,train_loss,test_accuracy,seconds";

    private final RunFolder run;
    private final List<DataSet> test;
    private final PrintWriter out;
    private final BufferedWriter applied;
    private final BufferedWriter metrics;
    private double lastAccuracy = Double.NaN;

    /**
     * @param resumeEpoch     the epoch a resumed run starts at, or -1 for a fresh run
     * @param resumeIteration the cycle iteration a resumed run starts at, or -1
     */
    RunRecorder(RunFolder run, List<DataSet> test, PrintWriter out, int resumeEpoch, long resumeIteration)
            throws IOException {
        this.run = run;
        this.test = test;
        this.out = out;
        List<String> keptApplied = resumeEpoch < 0 ? List.of()
                : rowsBefore("applied-schedule.csv", row -> Long.parseLong(row.split(",", 2)[0]) < resumeIteration);
        List<String> keptMetrics = resumeEpoch < 0 ? List.of()
                : rowsBefore("metrics.csv", row -> Integer.parseInt(row.split(",", 2)[0]) < resumeEpoch);
        for (String row : keptMetrics) {
            lastAccuracy = Double.parseDouble(row.split(",")[3]);
        }
        this.applied = run.growing("applied-schedule.csv", AppliedStep.CSV_HEADER);
        this.metrics = run.growing("metrics.csv", METRICS_HEADER);
        write(applied, keptApplied);
        write(metrics, keptMetrics);
    }

    /** The rows of an interrupted run's file (in progress, else final) that the resumed run keeps. */
    private List<String> rowsBefore(String name, Predicate<String> keep) throws IOException {
        Path file = Files.exists(run.temporary(name)) ? run.temporary(name) : run.resolve(name);
        List<String> rows = new ArrayList<>();
        if (!Files.exists(file)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String row : lines.subList(Math.min(1, lines.size()), lines.size())) {
            try {
                if (!row.isBlank() && keep.test(row)) {
                    rows.add(row);
                }
            } catch (RuntimeException torn) {
                // a row cut short by the kill: the resumed run writes it again
            }
        }
        return rows;
    }

    private static void write(BufferedWriter w, List<String> rows) throws IOException {
        for (String r : rows) {
            w.write(r);
            w.newLine();
        }
        w.flush();
    }

    double lastAccuracy() {
        return lastAccuracy;
    }

    @Override
    public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> steps, double meanScore) {
        try {
            for (AppliedStep s : steps) {
                applied.write(s.toCsv());
                applied.newLine();
            }
            applied.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + run.temporary("applied-schedule.csv"), e);
        }
    }

    @Override
    public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
        lastAccuracy = network.evaluate(new ListDataSetIterator<>(test)).accuracy();
        out.printf(Locale.ROOT, "epoch %d/%d: test accuracy %.4f%n", epoch.epoch() + 1, plan.slice().totEpochs(),
                lastAccuracy);
        out.flush();
        try {
            metrics.write(String.format(Locale.ROOT, "%d,%d,%s,%s,%.3f", epoch.epoch(), epoch.iterationsDone(),
                    epoch.trainLoss(), lastAccuracy, epoch.seconds()));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + run.temporary("metrics.csv"), e);
        }
    }

    /** Closes both files and renames them into place. */
    void commit() throws IOException {
        close();
        run.commit(run.temporary("applied-schedule.csv"), "applied-schedule.csv");
        run.commit(run.temporary("metrics.csv"), "metrics.csv");
    }

    @Override
    public void close() throws IOException {
        applied.close();
        metrics.close();
    }
}
