package dev.onecycle.worker;

import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.dl4j.StepScheduleUpdaters;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.StepSchedule;
import java.io.Serializable;

/**
 * What a worker needs to build its network, broadcast once per {@code fit}: the configuration, the size of
 * the state, the cycle's policy and slice (installed as the updaters' schedules), and the id of the fit that
 * keys the executor's cache of worker networks.
 */
public final class NetworkSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    final String fitId;
    final Object configuration;
    final int paramCount;
    final OneCyclePolicy policy;
    final CycleSlice slice;
    /** The schedule the workers apply instead of the 1cycle of {@code policy}; null for the 1cycle. */
    final StepSchedule steps;

    public NetworkSpec(String fitId, Network network, OneCyclePolicy policy, CycleSlice slice, StepSchedule steps) {
        this.fitId = fitId;
        this.configuration = network.configuration();
        this.paramCount = Math.toIntExact(network.params().length());
        this.policy = policy;
        this.slice = slice;
        this.steps = steps;
    }

    /** Values of the network's parameters (the first part of a {@link NetworkState}). */
    public int paramCount() {
        return paramCount;
    }

    /** A new network with this configuration and the cycle's schedules; its parameters are set by the round. */
    Network build(NetworkState state) {
        Network net = Network.fromConfiguration(configuration, FloatIO.array(state.values, 0, new long[] {1, state.paramCount}));
        if (steps == null) {
            OneCycleUpdaters.install(net, policy, slice);
        } else {
            StepScheduleUpdaters.install(net, steps);
        }
        net.updaterState(); // creates the updater, so its state can be set
        return net;
    }
}
