package dev.onecycle.averaging;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.rpc.RpcCallContext;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.rpc.ThreadSafeRpcEndpoint;
import scala.runtime.BoxedUnit;

/**
 * The driver's end of the barrier path's averaging: a Spark RPC endpoint (on the driver's RPC port, so it
 * works wherever Spark does, authentication included) that waits for every worker's state of a round, computes
 * the {@link WorkerMean} in worker order, and replies it to all of them. Each worker sends and receives one
 * state per round (the driver handles workers x state size). Requests of an older stage attempt are failed when
 * a newer attempt's arrive: a rerun barrier stage starts afresh. It also holds the watch tasks that keep a job
 * of the fit active in its group while the driver works between jobs (see {@code OneCycleTrainer}).
 *
 * <p>Spark's own {@code BarrierTaskContext.allGather} would do the exchange, but it polls for its reply once a
 * second (Spark 3.5: {@code Thread.sleep(1000)} in {@code runBarrier}), which costs up to a second per round.
 */
public final class AveragingEndpoint implements ThreadSafeRpcEndpoint {
    private final RpcEnv rpcEnv;
    private final String name;
    private final int workers;
    private final int stateLength;
    private final Map<Long, Round> rounds = new HashMap<>();
    private final List<RpcCallContext> watchers = new ArrayList<>();
    private String attempt;
    private RpcEndpointRef ref;

    private static final class Round {
        final RpcCallContext[] callers;
        final float[][] states;
        final boolean[] arrived;
        int count;

        Round(int workers) {
            callers = new RpcCallContext[workers];
            states = new float[workers][];
            arrived = new boolean[workers];
        }
    }

    private AveragingEndpoint(RpcEnv rpcEnv, String name, int workers, int stateLength) {
        this.rpcEnv = rpcEnv;
        this.name = name;
        this.workers = workers;
        this.stateLength = stateLength;
    }

    /**
     * Registers an endpoint for one fit on the driver, of {@code workers} workers sending states of
     * {@code stateLength} values: a request claiming another worker count or state size is failed without being
     * kept (its sender is an authenticated executor when {@code spark.authenticate} is on; the bound keeps a
     * faulty one from making the driver allocate rounds of any size).
     */
    public static AveragingEndpoint start(String fitId, int workers, int stateLength) {
        RpcEnv env = SparkEnv.get().rpcEnv();
        AveragingEndpoint e = new AveragingEndpoint(env, "onecycle-averaging-" + fitId, workers, stateLength);
        e.ref = env.setupEndpoint(e.name, e);
        return e;
    }

    public String name() {
        return name;
    }

    /** A watch task's request: answered when the driver's work between jobs is done ({@link #releaseWatchers}). */
    record WatchRequest(long watch) implements java.io.Serializable {
    }

    /** Lets watch task {@code watch} (and any earlier one) end normally, now or whenever it starts. */
    public void releaseWatchers(long watch) {
        ref.askSync(new Release(watch), scala.reflect.ClassTag$.MODULE$.apply(Boolean.class));
    }

    private record Release(long watch) implements java.io.Serializable {
    }

    private long released = -1;

    /** Unregisters the endpoint; workers still waiting get a failure. */
    public void close() {
        rpcEnv.stop(ref);
    }

    @Override
    public RpcEnv rpcEnv() {
        return rpcEnv;
    }

    @Override
    public void onStop() {
        failAll(new IllegalStateException("training ended"));
    }

    @Override
    public scala.PartialFunction<Object, BoxedUnit> receiveAndReply(RpcCallContext context) {
        return new scala.runtime.AbstractPartialFunction<Object, BoxedUnit>() {
            @Override
            public boolean isDefinedAt(Object message) {
                return message instanceof AverageRequest || message instanceof WatchRequest || message instanceof Release;
            }

            @Override
            public <A1, B1> B1 applyOrElse(A1 message, scala.Function1<A1, B1> otherwise) {
                if (message instanceof WatchRequest) {
                    if (((WatchRequest) message).watch() <= released) {
                        context.reply(Boolean.TRUE);
                    } else {
                        watchers.add(context);
                    }
                } else if (message instanceof Release) {
                    released = Math.max(released, ((Release) message).watch());
                    watchers.forEach(w -> w.reply(Boolean.TRUE));
                    watchers.clear();
                    context.reply(Boolean.TRUE);
                } else if (message instanceof AverageRequest) {
                    handle((AverageRequest) message, context);
                } else {
                    return otherwise.apply(message);
                }
                @SuppressWarnings("unchecked")
                B1 unit = (B1) BoxedUnit.UNIT;
                return unit;
            }
        };
    }

    private void handle(AverageRequest r, RpcCallContext context) {
        float[] values = r.state() == null ? null : r.state().values;
        if (r.workers() != workers || (values != null && values.length != stateLength)) {
            context.sendFailure(new IllegalStateException("a round of " + r.workers() + " workers and "
                    + (values == null ? 0 : values.length) + " values sent to a fit of " + workers + " workers and "
                    + stateLength + " values"));
            return;
        }
        if (!r.attempt().equals(attempt)) {
            if (attempt != null && older(r.attempt(), attempt)) { // a killed task of a replaced attempt, still running
                context.sendFailure(new IllegalStateException("barrier stage attempt " + r.attempt()
                        + " was replaced by " + attempt));
                return;
            }
            failRounds(new IllegalStateException("barrier stage attempt " + attempt + " was replaced by " + r.attempt()));
            attempt = r.attempt();
        }
        Round round = rounds.computeIfAbsent(r.round(), k -> new Round(r.workers()));
        if (r.worker() < 0 || r.worker() >= round.callers.length || round.arrived[r.worker()]) {
            context.sendFailure(new IllegalStateException("worker " + r.worker() + " sent round " + r.round() + " twice"
                    + " or is not one of " + round.callers.length));
            return;
        }
        round.arrived[r.worker()] = true;
        round.callers[r.worker()] = context;
        round.states[r.worker()] = r.state().values;
        if (++round.count < round.callers.length) {
            return;
        }
        rounds.remove(r.round());
        float[] mean = WorkerMean.mean(Arrays.asList(round.states), r.fanIn());
        Object reply = new Floats(mean);
        for (RpcCallContext c : round.callers) {
            c.reply(reply);
        }
    }

    /** True when stage attempt {@code a} ("stageId.attemptNumber") came before {@code b}. */
    static boolean older(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int stage = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return stage != 0 ? stage < 0 : Integer.parseInt(x[1]) < Integer.parseInt(y[1]);
    }

    private void failAll(Throwable why) {
        watchers.forEach(w -> w.sendFailure(why));
        watchers.clear();
        failRounds(why);
    }

    private void failRounds(Throwable why) {
        for (Iterator<Round> it = rounds.values().iterator(); it.hasNext();) {
            Round round = it.next();
            for (RpcCallContext c : round.callers) {
                if (c != null) {
                    c.sendFailure(why);
                }
            }
            it.remove();
        }
    }

    // ------------------------------------------------------------------------------------------ executor side

    private static final Map<String, RpcEndpointRef> REFS = new HashMap<>();

    /**
     * Sends a worker's state to the driver's endpoint {@code name} and waits for the mean (null when no worker
     * trained), checking every few milliseconds whether Spark killed the task.
     */
    static float[] average(String name, AverageRequest request) {
        return ask(name, request, Floats.class).values;
    }

    /** Waits (in a watch task) until the driver releases it, or Spark kills the task. */
    public static void watch(String name, long watch) {
        ask(name, new WatchRequest(watch), Boolean.class);
    }

    private static <T> T ask(String name, Object request, Class<T> type) {
        RpcEndpointRef driver;
        synchronized (REFS) {
            driver = REFS.computeIfAbsent(name,
                    n -> org.apache.spark.util.RpcUtils.makeDriverRef(n, SparkEnv.get().conf(), SparkEnv.get().rpcEnv()));
            if (REFS.size() > 64) {
                List<String> old = new ArrayList<>(REFS.keySet());
                old.remove(name);
                old.forEach(REFS::remove);
            }
        }
        scala.concurrent.Future<T> reply = driver.ask(request,
                new org.apache.spark.rpc.RpcTimeout(scala.concurrent.duration.Duration.create(365, "days"),
                        "onecycle.averaging"),
                scala.reflect.ClassTag$.MODULE$.apply(type));
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        scala.concurrent.duration.FiniteDuration poll = scala.concurrent.duration.Duration.create(20, "ms");
        while (true) {
            try {
                scala.concurrent.Await.ready(reply, poll);
                break;
            } catch (java.util.concurrent.TimeoutException notYet) {
                if (task != null) {
                    task.killTaskIfInterrupted();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the driver", e);
            }
        }
        scala.util.Try<T> result = reply.value().get();
        if (result.isFailure()) {
            Throwable t = result.failed().get();
            throw t instanceof RuntimeException ? (RuntimeException) t : new IllegalStateException(t.getMessage(), t);
        }
        return result.get();
    }
}
