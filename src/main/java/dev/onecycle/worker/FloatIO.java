package dev.onecycle.worker;

import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Float arrays in bulk: Java serialisation writes a {@code float[]} one element at a time (and ND4J's
 * {@code Nd4j.create(float[])} copies one element at a time too); these move them as blocks of bytes.
 */
public final class FloatIO {
    private static final int CHUNK = 1 << 16; // floats per block

    private FloatIO() {
    }

    /** Writes the length (-1 for null) and the values as little-endian bytes. */
    public static void write(ObjectOutput out, float[] values) throws IOException {
        if (values == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(values.length);
        ByteBuffer bytes = ByteBuffer.allocate(4 * Math.min(CHUNK, Math.max(1, values.length))).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = bytes.asFloatBuffer();
        for (int at = 0; at < values.length; at += CHUNK) {
            int n = Math.min(CHUNK, values.length - at);
            floats.clear();
            floats.put(values, at, n);
            out.write(bytes.array(), 0, 4 * n);
        }
    }

    /** Reads what {@link #write} wrote. */
    public static float[] read(ObjectInput in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        float[] values = new float[length];
        byte[] buf = new byte[4 * Math.min(CHUNK, Math.max(1, length))];
        FloatBuffer floats = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int at = 0; at < length; at += CHUNK) {
            int n = Math.min(CHUNK, length - at);
            in.readFully(buf, 0, 4 * n);
            floats.clear();
            floats.get(values, at, n);
        }
        return values;
    }

    public static void writeInts(ObjectOutput out, int[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(values);
        out.write(bytes.array());
    }

    public static int[] readInts(ObjectInput in) throws IOException {
        int length = in.readInt();
        byte[] buf = new byte[4 * length];
        in.readFully(buf);
        int[] values = new int[length];
        ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
        return values;
    }

    /** A new 'c'-order float array of {@code shape} holding {@code values[from, from + length)}, copied in bulk. */
    public static INDArray array(float[] values, int from, long[] shape) {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        int n = Math.toIntExact(a.length());
        a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values, from, n);
        return a;
    }
}
