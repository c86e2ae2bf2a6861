package dev.onecycle.bench;

import dev.onecycle.dl4j.OneCycleLearningRate;
import dev.onecycle.dl4j.OneCycleMomentum;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleStyle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of one {@code ISchedule.valueAt} call, which DL4J makes several times per minibatch step and
 * parameter block. The step moves on at every invocation (a counter modulo the cycle length), so each call
 * computes a fresh value. Not a JUnit test: run it with {@code mvn -P bench -o test-compile exec:exec}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScheduleBenchmark {
    /** 100 epochs of 1000 minibatches. */
    static final int EPOCHS = 100;
    static final int ITERS_PER_EPOCH = 1000;
    static final int N = EPOCHS * ITERS_PER_EPOCH;

    @Param({"fastai", "fastai2", "pytorch"})
    public String style;

    private OneCycleLearningRate lr;
    private OneCycleMomentum momentum;
    private int iteration;

    @Setup
    public void setUp() {
        OneCyclePolicy policy = OneCyclePolicy.builder().setLrMax(0.1).optStyle(OneCycleStyle.parse(style)).build();
        CycleSlice slice = CycleSlice.full(EPOCHS, ITERS_PER_EPOCH);
        lr = new OneCycleLearningRate(policy, slice);
        momentum = new OneCycleMomentum(policy, slice);
        iteration = 0;
    }

    private int nextIteration() {
        int i = iteration;
        iteration = (i + 1) % N;
        return i;
    }

    @Benchmark
    public void learningRate(Blackhole bh) {
        int i = nextIteration();
        bh.consume(lr.valueAt(i, i / ITERS_PER_EPOCH));
    }

    @Benchmark
    public void momentum(Blackhole bh) {
        int i = nextIteration();
        bh.consume(momentum.valueAt(i, i / ITERS_PER_EPOCH));
    }
}
