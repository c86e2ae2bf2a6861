package dev.onecycle.schedule;

import java.io.Serializable;
import java.util.Objects;

/**
 * The part of one cycle to run now: epochs {@code [startEpoch, startEpoch + epochs)} of a cycle of
 * {@code totEpochs} epochs, each of {@code itersPerEpoch} minibatch steps. This is fastai v1's
 * {@code PartialOneCycleScheduler(tot_epochs, start_epoch)} applied to {@code fit(epochs)}: the schedule is
 * the one of the whole cycle, so running [0, 8) then [8, 20) gives exactly the values of one [0, 20) run.
 * {@link #full(int, int)} is the plain one cycle over the epochs being run.
 */
public final class CycleSlice implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int totEpochs;
    private final int startEpoch;
    private final int epochs;
    private final int itersPerEpoch;

    private CycleSlice(Builder b) {
        this.totEpochs = b.totEpochs;
        this.startEpoch = b.startEpoch;
        this.epochs = b.epochs;
        this.itersPerEpoch = b.itersPerEpoch;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The plain one cycle: all {@code epochs} epochs of a cycle of that length, from epoch 0. */
    public static CycleSlice full(int epochs, int itersPerEpoch) {
        return builder().setEpochs(epochs).setItersPerEpoch(itersPerEpoch).build();
    }

    /** The rest of the cycle from {@code startEpoch} ({@code epochs = totEpochs - startEpoch}). */
    public static CycleSlice rest(int totEpochs, int startEpoch, int itersPerEpoch) {
        return builder().setEpochs(totEpochs - startEpoch).optTotEpochs(totEpochs).optStartEpoch(startEpoch)
                .setItersPerEpoch(itersPerEpoch).build();
    }

    /** The same cycle, continued from {@code newStartEpoch} to its end. */
    public CycleSlice resumedAt(int newStartEpoch) {
        return rest(totEpochs, newStartEpoch, itersPerEpoch);
    }

    public int totEpochs() {
        return totEpochs;
    }

    public int startEpoch() {
        return startEpoch;
    }

    public int epochs() {
        return epochs;
    }

    public int itersPerEpoch() {
        return itersPerEpoch;
    }

    /** The exclusive end epoch of the slice: {@code startEpoch + epochs}. */
    public int endEpoch() {
        return startEpoch + epochs;
    }

    /** The number of steps in the whole cycle: {@code totEpochs * itersPerEpoch}. */
    public long totalIterations() {
        return (long) totEpochs * itersPerEpoch;
    }

    /** The first step of the slice: {@code startEpoch * itersPerEpoch}. */
    public long firstIteration() {
        return (long) startEpoch * itersPerEpoch;
    }

    /** The step after the last one of the slice: {@code endEpoch * itersPerEpoch}. */
    public long endIteration() {
        return (long) endEpoch() * itersPerEpoch;
    }

    /** The epoch a step of the cycle belongs to. */
    public int epochOf(long iteration) {
        if (iteration < 0 || iteration >= totalIterations()) {
            throw new IllegalArgumentException("iteration must be in [0, " + totalIterations() + "), got "
                    + iteration);
        }
        return (int) (iteration / itersPerEpoch);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CycleSlice)) {
            return false;
        }
        CycleSlice s = (CycleSlice) o;
        return totEpochs == s.totEpochs && startEpoch == s.startEpoch && epochs == s.epochs
                && itersPerEpoch == s.itersPerEpoch;
    }

    @Override
    public int hashCode() {
        return Objects.hash(totEpochs, startEpoch, epochs, itersPerEpoch);
    }

    @Override
    public String toString() {
        return "CycleSlice{epochs [" + startEpoch + ", " + endEpoch() + ") of " + totEpochs + ", itersPerEpoch="
                + itersPerEpoch + "}";
    }

    /**
     * Builds a {@link CycleSlice}. {@code setEpochs} and {@code setItersPerEpoch} are required; without
     * {@code optTotEpochs} the cycle is {@code startEpoch + epochs} long, without {@code optStartEpoch} it
     * starts at 0 (fastai's defaults for {@code tot_epochs} and {@code start_epoch}).
     */
    public static final class Builder {
        private int totEpochs = -1;
        private int startEpoch;
        private int epochs = -1;
        private int itersPerEpoch = -1;

        private Builder() {
        }

        /** How many epochs to run now; > 0. */
        public Builder setEpochs(int epochs) {
            this.epochs = Checks.positive("epochs", epochs);
            return this;
        }

        /** Minibatch steps per epoch (fastai's {@code len(train_dl)}); > 0. */
        public Builder setItersPerEpoch(int itersPerEpoch) {
            this.itersPerEpoch = Checks.positive("itersPerEpoch", itersPerEpoch);
            return this;
        }

        /** The length of the whole cycle in epochs; > 0. */
        public Builder optTotEpochs(int totEpochs) {
            this.totEpochs = Checks.positive("totEpochs", totEpochs);
            return this;
        }

        /** The epoch of the cycle to start at; >= 0. */
        public Builder optStartEpoch(int startEpoch) {
            this.startEpoch = Checks.nonNegative("startEpoch", startEpoch);
            return this;
        }

        public CycleSlice build() {
            if (epochs < 0) {
                throw new InvalidParameterException("epochs", "is required (> 0)", "nothing");
            }
            if (itersPerEpoch < 0) {
                throw new InvalidParameterException("itersPerEpoch", "is required (> 0)", "nothing");
            }
            if (totEpochs < 0) {
                long end = (long) startEpoch + epochs;
                if (end > Integer.MAX_VALUE) {
                    throw new InvalidParameterException("epochs", "must keep startEpoch + epochs <= "
                            + Integer.MAX_VALUE + " (startEpoch " + startEpoch + ")", epochs);
                }
                totEpochs = (int) end;
            }
            if (startEpoch >= totEpochs) {
                throw new InvalidParameterException("startEpoch", "must be < totEpochs (" + totEpochs + ")",
                        startEpoch);
            }
            if ((long) startEpoch + epochs > totEpochs) {
                throw new InvalidParameterException("epochs", "must keep startEpoch + epochs <= totEpochs ("
                        + startEpoch + " + " + epochs + " > " + totEpochs + ")", epochs);
            }
            long total = (long) totEpochs * itersPerEpoch;
            if (total > Integer.MAX_VALUE) {
                throw new InvalidParameterException("itersPerEpoch", "makes totEpochs * itersPerEpoch = "
                        + total + " overflow DL4J's int iteration counter (max " + Integer.MAX_VALUE
                        + ", totEpochs " + totEpochs + ")", itersPerEpoch);
            }
            return new CycleSlice(this);
        }
    }
}
