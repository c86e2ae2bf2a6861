package dev.onecycle.job;

import dev.onecycle.checkpoint.LockLostException;
import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.plot.SchedulePlot;
import dev.onecycle.plot.TrainingPlot;
import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.RoundState;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;
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
    private final List<String> earlierApplied = new ArrayList<>();
    private final List<TrainingPlot.EpochPoint> epochs = new ArrayList<>();
    private final List<TrainingPlot.EpochPoint> earlierEpochs = new ArrayList<>();
    private double lastAccuracy = Double.NaN;
    private double[] appliedLr;
    private double[] appliedMomentum;
    private final List<SchedulePlot.Span> spans = new ArrayList<>();
    private final long resumeIteration;

    /**
     * @param resumeEpoch     the epoch a resumed run starts at, or -1 for a fresh run
     * @param resumeIteration the cycle iteration a resumed run starts at, or -1
     * @param previousApplied rows of an earlier job's applied-schedule.csv this run continues (plotted only)
     * @param previousMetrics rows of that job's metrics.csv (plotted only)
     */
    RunRecorder(RunFolder run, List<DataSet> test, PrintWriter out, int resumeEpoch, long resumeIteration,
            List<String> previousApplied, List<String> previousMetrics) throws IOException {
        this.run = run;
        this.test = test;
        this.out = out;
        this.resumeIteration = resumeIteration;
        List<String> keptApplied = resumeEpoch < 0 ? List.of()
                : withDeviceColumn(rowsBefore("applied-schedule.csv",
                        row -> Long.parseLong(row.split(",", 2)[0]) < resumeIteration));
        List<String> keptMetrics = resumeEpoch < 0 ? List.of()
                : rowsBefore("metrics.csv", row -> Integer.parseInt(row.split(",", 2)[0]) < resumeEpoch);
        for (String row : previousMetrics) {
            try {
                String[] f = row.split(",");
                earlierEpochs.add(new TrainingPlot.EpochPoint(Integer.parseInt(f[0]), Double.parseDouble(f[2]),
                        Double.parseDouble(f[3])));
            } catch (RuntimeException notARow) {
                // another job's file: plot what can be read
            }
        }
        for (String row : keptMetrics) {
            String[] f = row.split(",");
            lastAccuracy = Double.parseDouble(f[3]);
            epochs.add(new TrainingPlot.EpochPoint(Integer.parseInt(f[0]), Double.parseDouble(f[2]), lastAccuracy));
        }
        earlierApplied.addAll(previousApplied);
        earlierApplied.addAll(keptApplied);
        this.applied = run.growing("applied-schedule.csv", AppliedStep.CSV_HEADER);
        this.metrics = run.growing("metrics.csv", METRICS_HEADER);
        write(applied, keptApplied);
        write(metrics, keptMetrics);
    }

    /**
     * The kept rows of an interrupted run's applied-schedule.csv in the current format: a file written before
     * the {@code device} column existed gets {@value AppliedStep#DEVICE_UNRECORDED} in it.
     */
    private List<String> withDeviceColumn(List<String> rows) throws IOException {
        Path file = Files.exists(run.temporary("applied-schedule.csv")) ? run.temporary("applied-schedule.csv")
                : run.resolve("applied-schedule.csv");
        String header;
        try (java.io.BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            header = r.readLine();
        } catch (java.nio.file.NoSuchFileException none) {
            return rows;
        }
        if (!AppliedStep.CSV_HEADER_WITHOUT_DEVICE.equals(header)) {
            return rows;
        }
        List<String> converted = new ArrayList<>();
        for (String row : rows) {
            converted.add(row + "," + AppliedStep.DEVICE_UNRECORDED);
        }
        return converted;
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
    public void onStart(TrainingPlan plan) {
        int total = Math.toIntExact(plan.slice().totalIterations());
        appliedLr = new double[total];
        appliedMomentum = new double[total];
        java.util.Arrays.fill(appliedLr, Double.NaN);
        java.util.Arrays.fill(appliedMomentum, Double.NaN);
        long earliest = Long.MAX_VALUE;
        long latest = -1;
        for (String row : earlierApplied) {
            String[] f = row.split(",");
            long it = Long.parseLong(f[0]);
            // a mid-epoch resume keeps the rows of its epoch's first rounds too
            if (it >= 0 && it < Math.max(plan.slice().firstIteration(), resumeIteration)) {
                record(it, Double.parseDouble(f[2]), Double.parseDouble(f[3]));
                earliest = Math.min(earliest, it);
                latest = Math.max(latest, it);
            }
        }
        if (latest >= 0) {
            spans.add(new SchedulePlot.Span(earliest, latest + 1, "earlier runs"));
        }
        spans.add(new SchedulePlot.Span(plan.slice().firstIteration(), plan.slice().firstIteration() + 1,
                "this run: epochs [" + plan.slice().startEpoch() + ", " + plan.slice().endEpoch() + ")"));
    }

    private void record(long iteration, double lr, double momentum) {
        if (Double.isNaN(appliedLr[(int) iteration])) {
            appliedLr[(int) iteration] = lr;
            appliedMomentum[(int) iteration] = momentum;
        }
    }

    @Override
    public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> steps, double meanScore) {
        try {
            for (AppliedStep s : steps) {
                applied.write(s.toCsv());
                applied.newLine();
                record(s.iteration(), s.lr(), s.momentum());
            }
            applied.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + run.temporary("applied-schedule.csv") + " (" + e.getMessage() + ")", e);
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
            throw new UncheckedIOException("could not write " + run.temporary("metrics.csv") + " (" + e.getMessage() + ")", e);
        }
        epochs.add(new TrainingPlot.EpochPoint(epoch.epoch(), epoch.trainLoss(), lastAccuracy));
        writePlot(plan, epoch);
    }

    /** training.png after each epoch, replaced atomically; a failure to draw never stops training. */
    private void writePlot(TrainingPlan plan, EpochSummary epoch) {
        SchedulePlot.Span current = spans.get(spans.size() - 1);
        spans.set(spans.size() - 1, new SchedulePlot.Span(current.from(), epoch.iterationsDone(), current.label()));
        try {
            boolean hasMomentum = !Double.isNaN(appliedMomentum[(int) current.from()]);
            List<TrainingPlot.EpochPoint> plotted = new ArrayList<>();
            for (TrainingPlot.EpochPoint p : earlierEpochs) {
                if (p.epoch() < plan.slice().startEpoch() && epochs.stream().noneMatch(e -> e.epoch() == p.epoch())) {
                    plotted.add(p);
                }
            }
            plotted.addAll(epochs);
            plotted.sort(java.util.Comparator.comparingInt(TrainingPlot.EpochPoint::epoch));
            byte[] png = TrainingPlot.png("1cycle " + plan.policy().style().id() + " lrMax=" + plan.policy().lrMax()
                    + ", " + plan.slice().totEpochs() + "-epoch cycle: applied learning rate and momentum", plan.policy()
                    .schedule(plan.slice()), appliedLr, hasMomentum ? appliedMomentum : null, spans, plotted,
                    plan.slice().totEpochs());
            Path tmp = run.temporary("training.png");
            run.checkWrite();
            Files.write(tmp, png);
            run.commit(tmp, "training.png");
        } catch (LockLostException e) {
            throw e; // fencing stops the job; a plot that cannot be drawn does not
        } catch (IOException | RuntimeException e) {
            out.println("warning: could not write " + run.resolve("training.png") + " (" + e.getMessage() + ")");
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
