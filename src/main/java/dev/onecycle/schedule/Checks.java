package dev.onecycle.schedule;

/** The single-value rules shared by the builders in this package. */
final class Checks {
    private Checks() {
    }

    static double positiveFinite(String parameter, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new InvalidParameterException(parameter, "must be finite and > 0", value);
        }
        return value;
    }

    static double fraction(String parameter, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new InvalidParameterException(parameter, "must be in [0, 1]", value);
        }
        return value;
    }

    static double momentum(String parameter, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new InvalidParameterException(parameter, "must be in [0, 1)", value);
        }
        return value;
    }

    static int positive(String parameter, int value) {
        if (value <= 0) {
            throw new InvalidParameterException(parameter, "must be > 0", value);
        }
        return value;
    }

    static int nonNegative(String parameter, int value) {
        if (value < 0) {
            throw new InvalidParameterException(parameter, "must be >= 0", value);
        }
        return value;
    }

    static <T> T required(String parameter, T value) {
        if (value == null) {
            throw new InvalidParameterException(parameter, "is required", "nothing");
        }
        return value;
    }
}
