package dev.onecycle.schedule;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Supplier;

/** Relative-tolerance comparison of doubles. */
final class Close {
    static final double REL_TOL = 1e-12;

    private Close() {
    }

    static boolean close(double expected, double actual) {
        if (expected == actual) {
            return true;
        }
        return Math.abs(expected - actual) <= REL_TOL * Math.max(Math.abs(expected), Math.abs(actual));
    }

    static void assertClose(double expected, double actual, Supplier<String> what) {
        if (!close(expected, actual)) {
            fail(what.get() + ": expected " + expected + " but was " + actual + " (relative error "
                    + Math.abs(expected - actual) / Math.max(Math.abs(expected), Math.abs(actual)) + ")");
        }
    }
}
