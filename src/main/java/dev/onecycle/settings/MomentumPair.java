package dev.onecycle.settings;

/** The 1cycle's momentum pair: {@code max} at the ends of the cycle, {@code base} at the learning-rate peak. */
public record MomentumPair(double max, double base) implements java.io.Serializable {
    static MomentumPair parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("not max,base: " + text);
        }
        return new MomentumPair(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()));
    }

    @Override
    public String toString() {
        return max + "," + base;
    }
}
