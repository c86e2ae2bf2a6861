package dev.onecycle.worker;

import dev.onecycle.dl4j.AppliedStep;
import java.io.Serializable;
import java.util.List;

/**
 * What one worker did in one round: its state after the round (parameters then updater state, as in
 * {@link NetworkState}; null when it trained no minibatch), and the learning rate, momentum and loss of each
 * of its minibatches, and the time it spent training them ({@code computeNanos}).
 */
public record RoundResult(int worker, int round, float[] state, List<AppliedStep> steps, int batches, double scoreSum,
        long computeNanos) implements Serializable {

    /** Serialised through {@link Wire}, so the state moves in bulk. */
    private Object writeReplace() {
        return new Wire(this);
    }

    /** The serialised form of a {@link RoundResult}: the state as bulk bytes, the rest as usual. */
    static final class Wire implements java.io.Externalizable {
        private static final long serialVersionUID = 1L;
        private RoundResult result;

        public Wire() {
        }

        Wire(RoundResult result) {
            this.result = result;
        }

        @Override
        public void writeExternal(java.io.ObjectOutput out) throws java.io.IOException {
            out.writeInt(result.worker);
            out.writeInt(result.round);
            FloatIO.write(out, result.state);
            out.writeObject(new java.util.ArrayList<>(result.steps));
            out.writeInt(result.batches);
            out.writeDouble(result.scoreSum);
            out.writeLong(result.computeNanos);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void readExternal(java.io.ObjectInput in) throws java.io.IOException, ClassNotFoundException {
            int worker = in.readInt();
            int round = in.readInt();
            float[] state = FloatIO.read(in);
            List<AppliedStep> steps = (List<AppliedStep>) in.readObject();
            result = new RoundResult(worker, round, state, steps, in.readInt(), in.readDouble(), in.readLong());
        }

        private Object readResolve() {
            return result;
        }
    }

    /** The same without the state (what the driver keeps once the state is averaged). */
    public RoundResult withoutState() {
        return new RoundResult(worker, round, null, steps, batches, scoreSum, computeNanos);
    }
}
