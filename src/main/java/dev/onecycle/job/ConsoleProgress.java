package dev.onecycle.job;

import dev.onecycle.spark.EpochSummary;
import dev.onecycle.spark.RoundState;
import dev.onecycle.spark.TrainingObserver;
import dev.onecycle.spark.TrainingPlan;

import dev.onecycle.dl4j.AppliedStep;
import dev.onecycle.dl4j.Network;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Progress lines on the console while the job trains: position in the cycle, learning rate, momentum, loss
 * and an estimate of the time left, at most every {@code intervalSeconds}, and a line after each epoch.
 */
public final class ConsoleProgress implements TrainingObserver {
    private final PrintWriter out;
    private final double intervalSeconds;
    private long started;
    private long lastPrint;
    private long firstIteration;

    public ConsoleProgress(PrintWriter out, double intervalSeconds) {
        this.out = out;
        this.intervalSeconds = intervalSeconds;
    }

    @Override
    public void onStart(TrainingPlan plan) {
        started = System.nanoTime();
        lastPrint = started;
        firstIteration = plan.slice().firstIteration();
        out.printf(Locale.ROOT, "1cycle: epochs [%d, %d) of a %d-epoch cycle, %d iterations per epoch (%d examples,"
                + " %d workers x batch %d), averaging every %d, %s%n", plan.slice().startEpoch(),
                plan.slice().endEpoch(), plan.slice().totEpochs(), plan.slice().itersPerEpoch(), plan.examples(),
                plan.workers(), plan.batchSizePerWorker(), plan.averagingFrequency(), plan.policy());
        out.flush();
    }

    @Override
    public void onRound(TrainingPlan plan, RoundState round, List<AppliedStep> applied, double meanScore) {
        long now = System.nanoTime();
        if ((now - lastPrint) / 1e9 < intervalSeconds || applied.isEmpty()) {
            return;
        }
        lastPrint = now;
        AppliedStep last = applied.get(applied.size() - 1);
        long done = last.iteration() + 1 - firstIteration;
        long total = plan.slice().endIteration() - firstIteration;
        double elapsed = (now - started) / 1e9;
        double eta = done == 0 ? Double.NaN : elapsed / done * (total - done);
        out.printf(Locale.ROOT, "epoch %d/%d  iter %d/%d (%.0f%%)  lr %.6g  mom %.4f  loss %.4f  ETA %s%n",
                round.epoch() + 1, plan.slice().totEpochs(), last.iteration() + 1, plan.slice().totalIterations(),
                100.0 * done / total, last.lr(), last.momentum(), meanScore, duration(eta));
        out.flush();
    }

    @Override
    public void onEpoch(TrainingPlan plan, EpochSummary epoch, Network network) {
        out.printf(Locale.ROOT, "epoch %d/%d done in %.1f s: train loss %.4f%n", epoch.epoch() + 1,
                plan.slice().totEpochs(), epoch.seconds(), epoch.trainLoss());
        out.flush();
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
