package dev.onecycle.ml;

import org.apache.spark.ml.util.Identifiable;

/**
 * The uid of an ML stage being constructed. MLlib's Scala superclasses create their Params (which record the
 * owner's uid) before a Java subclass's constructor body runs, so a stage's {@code uid()} is set lazily from
 * here on its first call: a constructor taking a uid (what MLlib's readers call) parks it with {@link #park}
 * in its {@code this(...)} call, before the superclass constructor runs.
 */
final class PendingUid {
    private static final ThreadLocal<String> NEXT = new ThreadLocal<>();

    /** Proof that {@link #park} ran first (the private constructors take it). */
    static final class Token {
        private Token() {
        }
    }

    private PendingUid() {
    }

    /** Parks {@code uid} (null: a random one) for the stage about to be constructed on this thread. */
    static Token park(String uid) {
        if (uid != null && uid.isBlank()) {
            throw new IllegalArgumentException("uid must not be blank");
        }
        NEXT.set(uid);
        return new Token();
    }

    /** The parked uid, or a new random one {@code prefix_<12 hex>}. */
    static String take(String prefix) {
        String uid = NEXT.get();
        NEXT.remove();
        return uid != null ? uid : Identifiable.randomUID(prefix);
    }
}
