package dev.onecycle.worker;

import dev.onecycle.dl4j.Network;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network's trainable state, its flattened parameters followed by its flattened updater state, as one
 * float32 vector: what travels between the driver and the workers every round, in bulk (Java serialises a
 * {@code float[]} as one block; no per-element ND4J serialisation).
 */
public final class NetworkState implements java.io.Externalizable {
    private static final long serialVersionUID = 1L;

    int paramCount;
    float[] values;

    /** For deserialisation only. */
    public NetworkState() {
    }

    @Override
    public void writeExternal(java.io.ObjectOutput out) throws java.io.IOException {
        out.writeInt(paramCount);
        FloatIO.write(out, values);
    }

    @Override
    public void readExternal(java.io.ObjectInput in) throws java.io.IOException {
        paramCount = in.readInt();
        values = FloatIO.read(in);
    }

    public NetworkState(int paramCount, float[] values) {
        if (paramCount < 0 || paramCount > values.length) {
            throw new IllegalArgumentException("paramCount " + paramCount + " outside [0, " + values.length + "]");
        }
        this.paramCount = paramCount;
        this.values = values;
    }

    /** A copy of {@code network}'s parameters and updater state. */
    public static NetworkState of(Network network) {
        INDArray params = network.params();
        INDArray updater = network.updaterState();
        int p = Math.toIntExact(params.length());
        int u = updater == null ? 0 : Math.toIntExact(updater.length());
        float[] values = new float[p + u];
        copyOut(params, values, 0);
        if (u > 0) {
            copyOut(updater, values, p);
        }
        return new NetworkState(p, values);
    }

    /** Sets {@code network}'s parameters and updater state to these values. */
    public void applyTo(Network network) {
        INDArray params = network.params();
        if (params.length() != paramCount) {
            throw new IllegalStateException("the network has " + params.length() + " parameters, the state " + paramCount);
        }
        copyIn(values, 0, params);
        INDArray updater = network.updaterState();
        int u = values.length - paramCount;
        if (updater == null ? u != 0 : updater.length() != u) {
            throw new IllegalStateException("the network's updater state has " + (updater == null ? 0 : updater.length())
                    + " values, the state " + u);
        }
        if (u > 0) {
            copyIn(values, paramCount, updater);
        }
    }

    private static void copyOut(INDArray from, float[] to, int at) {
        INDArray c = from;
        if (c.isView() || c.ordering() != 'c' || c.dataType() != DataType.FLOAT || c.data().length() != c.length()) {
            c = from.castTo(DataType.FLOAT).dup('c');
        }
        ByteBuffer bytes = c.data().asNio().order(ByteOrder.nativeOrder());
        bytes.asFloatBuffer().get(to, at, Math.toIntExact(c.length()));
    }

    private static void copyIn(float[] from, int at, INDArray to) {
        int n = Math.toIntExact(to.length());
        if (!to.isView() && to.ordering() == 'c' && to.dataType() == DataType.FLOAT && to.data().length() == n) {
            ByteBuffer bytes = to.data().asNio().order(ByteOrder.nativeOrder());
            bytes.asFloatBuffer().put(from, at, n);
        } else {
            to.assign(FloatIO.array(from, at, to.shape()).castTo(to.dataType()));
        }
    }
}
