package dev.onecycle.averaging;

import dev.onecycle.worker.FloatIO;
import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;

/** A {@code float[]} (or null) that Java serialisation writes in bulk ({@link FloatIO}), for messages and results. */
final class Floats implements Externalizable {
    private static final long serialVersionUID = 1L;

    float[] values;

    /** For deserialisation only. */
    public Floats() {
    }

    Floats(float[] values) {
        this.values = values;
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
        FloatIO.write(out, values);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException {
        values = FloatIO.read(in);
    }
}
