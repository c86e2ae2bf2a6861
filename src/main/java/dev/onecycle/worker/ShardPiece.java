package dev.onecycle.worker;

/**
 * The rows of one {@code ExampleBlock} that go to one worker in an epoch, packed contiguously, with the slot
 * (position in the worker's epoch order) of each row: what the epoch's spread moves between executors.
 */
public final class ShardPiece implements java.io.Externalizable {
    private static final long serialVersionUID = 1L;

    int[] slots;
    long[] featureShape;
    int featureLength;
    int labelLength;
    float[] features;
    float[] labels;

    /** For deserialisation only. */
    public ShardPiece() {
    }

    @Override
    public void writeExternal(java.io.ObjectOutput out) throws java.io.IOException {
        out.writeObject(featureShape);
        out.writeInt(featureLength);
        out.writeInt(labelLength);
        FloatIO.writeInts(out, slots);
        FloatIO.write(out, features);
        FloatIO.write(out, labels);
    }

    @Override
    public void readExternal(java.io.ObjectInput in) throws java.io.IOException, ClassNotFoundException {
        featureShape = (long[]) in.readObject();
        featureLength = in.readInt();
        labelLength = in.readInt();
        slots = FloatIO.readInts(in);
        features = FloatIO.read(in);
        labels = FloatIO.read(in);
    }

    public ShardPiece(int[] slots, long[] featureShape, int featureLength, int labelLength, float[] features, float[] labels) {
        this.slots = slots;
        this.featureShape = featureShape;
        this.featureLength = featureLength;
        this.labelLength = labelLength;
        this.features = features;
        this.labels = labels;
    }

    /** Each row's slot in the worker's epoch order. */
    public int[] slots() {
        return slots;
    }

    /** The rows' features, packed contiguously. */
    public float[] features() {
        return features;
    }
}
