package dev.onecycle.ml;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.RoundState;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What a fit of {@link OneCycleClassifier} recorded: every minibatch step's applied learning rate and momentum
 * (per worker, read back from the updaters: {@code onecycle train}'s {@code applied-schedule.csv}) and one row
 * per epoch (its {@code metrics.csv} without test accuracy: the estimator holds out no test data; evaluate the
 * model's predictions with MLlib's evaluators).
 */
public final class OneCycleTrainingSummary implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The header of {@link #metricsCsv()}. */
    public static final String METRICS_HEADER = "epoch,iterations,train_loss,seconds";

    /** One finished epoch: its number in the cycle, the cycle iterations after it, mean training loss, wall time. */
    public record Epoch(int epoch, long iterations, double trainLoss, double seconds) implements Serializable {
    }

    private final List<AppliedStep> applied;
    private final List<Epoch> epochs;

    OneCycleTrainingSummary(List<AppliedStep> applied, List<Epoch> epochs) {
        this.applied = List.copyOf(applied);
        this.epochs = List.copyOf(epochs);
    }

    /** The steps the workers applied, in the order the rounds finished (worker order within a round). */
    public List<AppliedStep> appliedSchedule() {
        return applied;
    }

    public List<Epoch> epochs() {
        return epochs;
    }

    /** {@link #appliedSchedule()} as {@code applied-schedule.csv}: header {@value AppliedStep#CSV_HEADER}. */
    public String appliedScheduleCsv() {
        StringBuilder b = new StringBuilder(AppliedStep.CSV_HEADER).append('\n');
        for (AppliedStep s : applied) {
            b.append(s.toCsv()).append('\n');
        }
        return b.toString();
    }

    /** {@link #epochs()} as CSV: header {@value #METRICS_HEADER}. */
    public String metricsCsv() {
        StringBuilder b = new StringBuilder(METRICS_HEADER).append('\n');
        for (Epoch e : epochs) {
            b.append(String.format(Locale.ROOT, "%d,%d,%s,%.3f", e.epoch(), e.iterations(), e.trainLoss(), e.seconds()))
                    .append('\n');
        }
        return b.toString();
    }

    /** The applied schedule as a DataFrame (iteration, epoch, lr, momentum, worker, round, score), e.g. to chart. */
    public Dataset<Row> appliedScheduleFrame(SparkSession spark) {
        StructType schema = new StructType().add("iteration", DataTypes.LongType).add("epoch", DataTypes.IntegerType)
                .add("lr", DataTypes.DoubleType).add("momentum", DataTypes.DoubleType)
                .add("worker", DataTypes.IntegerType).add("round", DataTypes.IntegerType)
                .add("score", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>(applied.size());
        for (AppliedStep s : applied) {
            rows.add(RowFactory.create(s.iteration(), s.epoch(), s.lr(), s.momentum(), s.worker(), s.round(), s.score()));
        }
        return spark.createDataFrame(rows, schema);
    }

    /** Reads back what {@link #appliedScheduleCsv()} and {@link #metricsCsv()} wrote. */
    static OneCycleTrainingSummary parse(String appliedCsv, String metricsCsv) {
        List<AppliedStep> applied = new ArrayList<>();
        String[] lines = appliedCsv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] f = lines[i].split(",", -1);
            applied.add(new AppliedStep(Long.parseLong(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[4]),
                    Integer.parseInt(f[5]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[6]), f[7]));
        }
        List<Epoch> epochs = new ArrayList<>();
        lines = metricsCsv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] f = lines[i].split(",", -1);
            epochs.add(new Epoch(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3])));
        }
        return new OneCycleTrainingSummary(applied, epochs);
    }

    /** Records a fit as it goes. */
    static final class Recorder implements TrainingObserver {
        private final List<AppliedStep> applied = new ArrayList<>();
        private final List<Epoch> epochs = new ArrayList<>();

        @Override
        public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> steps, double meanScore) {
            applied.addAll(steps);
        }

        @Override
        public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
            epochs.add(new Epoch(epoch.epoch(), epoch.iterationsDone(), epoch.trainLoss(), epoch.seconds()));
        }

        OneCycleTrainingSummary summary() {
            return new OneCycleTrainingSummary(applied, epochs);
        }
    }
}
