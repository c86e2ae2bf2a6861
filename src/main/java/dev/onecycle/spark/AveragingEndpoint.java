package dev.onecycle.spark;

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
 * a newer attempt's arrive: a rerun barrier stage starts afresh.
 *
 * <p>Spark's own {@code BarrierTaskContext.allGather} would do the exchange, but it polls for its reply once a
 * second (Spark 3.5: {@code Thread.sleep(1000)} in {@code runBarrier}), which costs up to a second per round.
 */
final class AveragingEndpoint implements ThreadSafeRpcEndpoint {
    private final RpcEnv rpcEnv;
    private final String name;
    private final Map<Long, Round> rounds = new HashMap<>();
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

    private AveragingEndpoint(RpcEnv rpcEnv, String name) {
        this.rpcEnv = rpcEnv;
        this.name = name;
    }

    /** Registers an endpoint for one fit on the driver. */
    static AveragingEndpoint start(String fitId) {
        RpcEnv env = SparkEnv.get().rpcEnv();
        AveragingEndpoint e = new AveragingEndpoint(env, "onecycle-averaging-" + fitId);
        e.ref = env.setupEndpoint(e.name, e);
        return e;
    }

    String name() {
        return name;
    }

    /** Unregisters the endpoint; workers still waiting get a failure. */
    void close() {
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
                return message instanceof AverageRequest;
            }

            @Override
            public <A1, B1> B1 applyOrElse(A1 message, scala.Function1<A1, B1> otherwise) {
                if (!(message instanceof AverageRequest)) {
                    return otherwise.apply(message);
                }
                handle((AverageRequest) message, context);
                @SuppressWarnings("unchecked")
                B1 unit = (B1) BoxedUnit.UNIT;
                return unit;
            }
        };
    }

    private void handle(AverageRequest r, RpcCallContext context) {
        if (!r.attempt().equals(attempt)) {
            failAll(new IllegalStateException("barrier stage attempt " + attempt + " was replaced by " + r.attempt()));
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
        round.states[r.worker()] = r.state();
        if (++round.count < round.callers.length) {
            return;
        }
        rounds.remove(r.round());
        float[] mean = WorkerMean.mean(Arrays.asList(round.states), r.fanIn());
        Object reply = mean == null ? new float[0] : mean;
        for (RpcCallContext c : round.callers) {
            c.reply(reply);
        }
    }

    private void failAll(Throwable why) {
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
        scala.concurrent.Future<float[]> reply = driver.ask(request,
                new org.apache.spark.rpc.RpcTimeout(scala.concurrent.duration.Duration.create(365, "days"),
                        "onecycle.averaging"),
                scala.reflect.ClassTag$.MODULE$.apply(float[].class));
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
                throw new IllegalStateException("interrupted while waiting for the round's average", e);
            }
        }
        scala.util.Try<float[]> result = reply.value().get();
        if (result.isFailure()) {
            Throwable t = result.failed().get();
            throw t instanceof RuntimeException ? (RuntimeException) t : new IllegalStateException(t.getMessage(), t);
        }
        float[] mean = result.get();
        return mean.length == 0 ? null : mean;
    }
}
