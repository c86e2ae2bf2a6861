package dev.onecycle.job;

import dev.onecycle.dl4j.Network;
import dev.onecycle.lrfind.RangePoint;
import dev.onecycle.lrfind.RangeTestResult;
import dev.onecycle.lrfind.Suggestion;
import dev.onecycle.plot.LrFindPlot;
import dev.onecycle.run.RangeTest;
import dev.onecycle.run.RunInputException;
import dev.onecycle.run.RunSettings;
import dev.onecycle.spark.DriverData;
import dev.onecycle.spark.LrFinder;
import dev.onecycle.spark.TrainingObserver;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The learning-rate range test of {@code onecycle lr-find} and {@code train --lr-max auto}: {@link LrFinder} with
 * the training's workers, per-worker batch, averaging, seed and first momentum, on a copy of the model. Writes
 * {@value #CSV} ({@code iteration,lr,loss,smoothed_loss}), {@value #SUGGESTIONS}
 * ({@code suggestion,lr,iteration,point_lr,smoothed_loss,used}) and {@value #PNG} to the run folder, each renamed
 * into place when complete, and prints the summary.
 */
public final class LrFindRun {
    public static final String CSV = "lr-find.csv";
    public static final String SUGGESTIONS = "lr-find-suggestions.csv";
    public static final String PNG = "lr-find.png";
    static final String SUGGESTIONS_HEADER = "suggestion,lr,iteration,point_lr,smoothed_loss,used";

    private LrFindRun() {
    }

    /** Refuses a run folder holding an earlier range test's outputs unless {@code overwrite}. */
    static void checkOutputs(Path runDir, boolean overwrite) {
        if (!overwrite && Files.exists(runDir.resolve(CSV))) {
            throw new RunInputException("--run-dir " + runDir + " already holds " + CSV + " from an earlier range "
                    + "test; use a new --run-dir or add --overwrite");
        }
    }

    /**
     * Runs the test ({@link RangeTest}) and writes its outputs; {@code used} names the suggestion the caller takes
     * (marked in {@value #SUGGESTIONS}), or null.
     */
    static RangeTestResult run(JavaSparkContext sc, RunSettings s, Network network, DriverData data,
            int workers, RunFolder run, PrintWriter out, List<TrainingObserver> observers, String used)
            throws IOException {
        out.println(RangeTest.describe(s, workers, s.lrRange()));
        out.flush();
        LrFinder.Builder b = RangeTest.finder(s, workers, s.lrRange());
        for (TrainingObserver o : observers) {
            b.optObserver(o);
        }
        RangeTestResult r = b.build().run(sc, network, data);
        write(run, r, used);
        out.println(r.summary());
        out.println("range test: wrote " + run.resolve(CSV) + ", " + SUGGESTIONS + " and " + PNG);
        out.flush();
        return r;
    }

    private static void write(RunFolder run, RangeTestResult r, String used) throws IOException {
        run.checkWrite();
        Path csv = run.temporary(CSV);
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write(RangePoint.CSV_HEADER);
            w.newLine();
            for (RangePoint p : r.points()) {
                w.write(p.toCsv());
                w.newLine();
            }
        }
        Path sug = run.temporary(SUGGESTIONS);
        try (BufferedWriter w = Files.newBufferedWriter(sug, StandardCharsets.UTF_8)) {
            w.write(SUGGESTIONS_HEADER);
            w.newLine();
            for (Suggestion g : r.suggestions()) {
                w.write(g.name() + "," + g.lr() + "," + g.iteration() + "," + g.pointLr() + "," + g.smoothedLoss() + ","
                        + g.name().equals(used));
                w.newLine();
            }
        }
        Path png = run.temporary(PNG);
        Files.write(png, LrFindPlot.png(String.format(Locale.ROOT, "learning-rate range test: %d iterations, %s",
                r.points().size(), r.stop().description()), r));
        run.commit(csv, CSV);
        run.commit(sug, SUGGESTIONS);
        run.commit(png, PNG);
    }
}
