package dev.onecycle.data;

/**
 * The one rule for a feature value: features are trained as 32-bit floats, so a value must be finite as a double
 * and within float32's range (|x| <= 3.4028235e38), or it would reach the network as NaN or Infinity.
 */
final class Float32 {
    /** What a value beyond float32's range is told, after the value itself. */
    static final String BEYOND_RANGE = "beyond the range of a 32-bit float (|x| <= " + Float.MAX_VALUE
            + "), which features are trained as; rescale the data";

    private Float32() {
    }

    /** Why {@code v} cannot be a feature value ("not a finite number" or {@link #BEYOND_RANGE}), or null if it can. */
    static String problem(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "not a finite number";
        }
        return Float.isInfinite((float) v) ? BEYOND_RANGE : null;
    }
}
