package dev.onecycle.dl4j;

import dev.onecycle.schedule.InvalidParameterException;
import java.util.Locale;

/**
 * The networks the project builds itself (when no model is given): {@link #MLP}, features -> hidden ReLU ->
 * classes softmax ({@link FashionMlp}), and {@link #LENET}, a LeNet-5-shaped CNN for 28x28 images given as 784
 * flat features ({@link FashionLeNet}). Both Nesterov momentum, L2 1e-4.
 */
public enum BuiltInNetwork {
    MLP,
    LENET;

    /** The ids, as the flag and the Param take them. */
    public static final String IDS = "mlp, lenet";

    public static BuiltInNetwork parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidParameterException("network", "must be one of " + IDS, String.valueOf(value));
        }
    }

    /** {@code value} names a built-in network (case-insensitive). */
    public static boolean isId(String value) {
        for (BuiltInNetwork n : values()) {
            if (n.id().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return true;
            }
        }
        return false;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * A new, initialised network for {@code features} inputs and {@code classes} classes; {@code hidden} is the
     * MLP's width (LeNet has its own). LeNet refuses inputs other than 784 with an {@link IllegalArgumentException}
     * naming the rule and the value.
     */
    public Network create(int features, int hidden, int classes, long seed) {
        return switch (this) {
            case MLP -> FashionMlp.create(features, hidden, classes, seed);
            case LENET -> FashionLeNet.create(features, classes, seed);
        };
    }
}
