package dev.onecycle.spark;

import java.io.Serializable;

/**
 * The rows of one {@link ExampleBlock} that go to one worker in an epoch, packed contiguously, with the slot
 * (position in the worker's epoch order) of each row: what the epoch's spread moves between executors.
 */
final class ShardPiece implements Serializable {
    private static final long serialVersionUID = 1L;

    final int[] slots;
    final long[] featureShape;
    final int featureLength;
    final int labelLength;
    final float[] features;
    final float[] labels;

    ShardPiece(int[] slots, long[] featureShape, int featureLength, int labelLength, float[] features, float[] labels) {
        this.slots = slots;
        this.featureShape = featureShape;
        this.featureLength = featureLength;
        this.labelLength = labelLength;
        this.features = features;
        this.labels = labels;
    }
}
