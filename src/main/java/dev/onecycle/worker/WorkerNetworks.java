package dev.onecycle.worker;

import dev.onecycle.dl4j.Network;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The executor's cache of worker networks, so a worker keeps its network between rounds and epochs instead
 * of building one from the configuration every round. It is an optimisation, never the truth: every round
 * sets the network's parameters and updater state from what the driver (or the barrier's averaging) gives,
 * so a task that finds nothing cached (first round, lost executor, rerun or speculative task) builds a
 * network and gets bitwise the same result. A task takes the network out while it trains and puts it back
 * after, so two attempts of one worker never share one. At most {@link #CAPACITY} networks are kept (the
 * least recently used goes first); {@link #forget} drops a finished fit's.
 */
public final class WorkerNetworks {
    static final int CAPACITY = 16;

    private record Key(String fitId, int worker, String device) {
    }

    private static final Map<Key, Network> CACHE = new LinkedHashMap<>(16, 0.75f, true);

    private WorkerNetworks() {
    }

    /**
     * The cached network of this fit's worker on this device (removed from the cache), or a new one built from
     * the spec. A network lives on the device it was built on, so a task on another GPU builds its own.
     */
    static Network take(NetworkSpec spec, int worker, String device, NetworkState state) {
        Network cached;
        synchronized (CACHE) {
            cached = CACHE.remove(new Key(spec.fitId, worker, device));
        }
        return cached != null ? cached : spec.build(state);
    }

    /** Puts a worker's network back for its next round. */
    static void give(NetworkSpec spec, int worker, String device, Network network) {
        synchronized (CACHE) {
            CACHE.put(new Key(spec.fitId, worker, device), network);
            Iterator<Key> oldest = CACHE.keySet().iterator();
            while (CACHE.size() > CAPACITY && oldest.hasNext()) {
                oldest.next();
                oldest.remove();
            }
        }
    }

    /** Drops every network of a fit (in this JVM). */
    public static void forget(String fitId) {
        synchronized (CACHE) {
            CACHE.keySet().removeIf(k -> k.fitId().equals(fitId));
        }
    }

    /** Drops everything (tests: a lost executor). */
    public static void clear() {
        synchronized (CACHE) {
            CACHE.clear();
        }
    }

    public static int size() {
        synchronized (CACHE) {
            return CACHE.size();
        }
    }
}
