package dev.onecycle.worker;

/** Derives independent seeds from the run's seed and a position (epoch, round, worker). */
public final class Seeds {
    private Seeds() {
    }

    /** SplitMix64's finaliser over the combined values: stable across JVMs and releases. */
    public static long mix(long seed, long... parts) {
        long h = seed;
        for (long p : parts) {
            h = finalise(h ^ finalise(p + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
