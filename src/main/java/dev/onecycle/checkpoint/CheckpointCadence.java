package dev.onecycle.checkpoint;

import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * When mid-epoch checkpoints are taken, besides the one after every epoch: every {@code everyRounds} averaging
 * rounds of an epoch (exactly at rounds N, 2N, ... of it, on both paths: on the barrier path a Spark job ends at
 * such a round; 0: never) and/or once {@code interval} has passed on the driver's clock since the last checkpoint
 * ({@link Duration#ZERO}: never), at the next boundary where the driver holds the averaged state (after every
 * round on the driver path, after every Spark job of ~2 s on the barrier path). {@link #DEFAULT}: the defaults of
 * {@link Settings#CHECKPOINT_EVERY} and {@link Settings#CHECKPOINT_INTERVAL} (every 5 minutes).
 */
public record CheckpointCadence(int everyRounds, Duration interval) {
    public static final CheckpointCadence DEFAULT = new CheckpointCadence(Settings.CHECKPOINT_EVERY.defaultValue(),
            Settings.CHECKPOINT_INTERVAL.defaultValue());
    public static final CheckpointCadence EPOCH_END_ONLY = new CheckpointCadence(0, Duration.ZERO);

    public CheckpointCadence {
        Objects.requireNonNull(interval, "interval");
        if (everyRounds < 0) {
            throw new IllegalArgumentException("checkpointEvery must be >= 0 (0: off), got " + everyRounds);
        }
        if (interval.isNegative()) {
            throw new IllegalArgumentException("checkpointInterval must be >= 0 (0: off), got " + interval);
        }
    }

    /** The cadence {@code v} gives ({@link Settings#CHECKPOINT_EVERY}, {@link Settings#CHECKPOINT_INTERVAL}). */
    public static CheckpointCadence of(SettingValues v) {
        return new CheckpointCadence(v.get(Settings.CHECKPOINT_EVERY), v.get(Settings.CHECKPOINT_INTERVAL));
    }

    /**
     * True when a checkpoint is due at {@code roundsDone} rounds into an epoch whose last checkpoint (or start,
     * or resume point) was at {@code lastRound}, {@code sinceLast} after the last checkpoint of the run.
     */
    public boolean due(int lastRound, int roundsDone, Duration sinceLast) {
        boolean rounds = everyRounds > 0 && roundsDone / everyRounds > lastRound / everyRounds;
        boolean time = !interval.isZero() && sinceLast.compareTo(interval) >= 0;
        return rounds || time;
    }

    /** For messages and the README: {@code every 5m}, {@code every 40 rounds or 10m}, {@code at epoch ends only}. */
    @Override
    public String toString() {
        if (everyRounds == 0 && interval.isZero()) {
            return "at epoch ends only";
        }
        String t = interval.isZero() ? null : interval.toString().substring(2).toLowerCase(Locale.ROOT);
        return "every " + (everyRounds > 0 ? everyRounds + " rounds" + (t == null ? "" : " or " + t) : t);
    }
}
