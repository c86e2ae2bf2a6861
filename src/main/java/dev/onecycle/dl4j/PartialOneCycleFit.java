package dev.onecycle.dl4j;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import java.util.List;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Single-machine partial 1cycle training, the DL4J form of fastai v1's
 * {@code PartialOneCycleScheduler(learn, lr_max, tot_epochs, start_epoch)} + {@code learn.fit(epochs)}:
 * installs the cycle's schedules into the network's updaters, positions the network at the slice's first step
 * (iteration {@code startEpoch * itersPerEpoch}, epoch {@code startEpoch}) and fits the slice's epochs.
 *
 * <pre>{@code
 * Network net = Network.restore(new File("epoch-8.zip"));
 * CycleSlice slice = CycleSlice.rest(20, 8, itersPerEpoch);          // epochs 8..19 of a 20-epoch cycle
 * new PartialOneCycleFit(policy, slice).fit(net, trainIterator);
 * }</pre>
 *
 * Every epoch must give exactly {@code itersPerEpoch} minibatches: the cycle's position depends on it, so a
 * different count stops training with an error instead of silently shifting the schedule.
 */
public final class PartialOneCycleFit {
    private final OneCyclePolicy policy;
    private final CycleSlice slice;

    public PartialOneCycleFit(OneCyclePolicy policy, CycleSlice slice) {
        if (policy == null || slice == null) {
            throw new IllegalArgumentException("policy and slice are required");
        }
        policy.schedule(slice); // rejects a policy that has no schedule over this cycle
        this.policy = policy;
        this.slice = slice;
    }

    /** Trains epochs {@code [startEpoch, startEpoch + epochs)} of the cycle. */
    public void fit(Network network, DataSetIterator data) {
        OneCycleUpdaters.install(network, policy, slice);
        network.setIterationCount(Math.toIntExact(slice.firstIteration()));
        network.setEpochCount(slice.startEpoch());
        for (int epoch = slice.startEpoch(); epoch < slice.endEpoch(); epoch++) {
            data.reset();
            long before = network.iterationCount();
            network.fit(new BoundedIterator(data, slice.itersPerEpoch(), epoch));
            long ran = network.iterationCount() - before;
            if (ran != slice.itersPerEpoch()) {
                throw new IllegalStateException("epoch " + epoch + " gave " + ran
                        + " minibatches but the cycle was planned with itersPerEpoch " + slice.itersPerEpoch()
                        + "; use the same data and batch size for every part of a cycle");
            }
        }
    }

    /** Refuses to give more than {@code limit} minibatches in one epoch. */
    private static final class BoundedIterator implements DataSetIterator {
        private static final long serialVersionUID = 1L;
        private final DataSetIterator inner;
        private final int limit;
        private final int epoch;
        private int given;

        BoundedIterator(DataSetIterator inner, int limit, int epoch) {
            this.inner = inner;
            this.limit = limit;
            this.epoch = epoch;
        }

        @Override
        public boolean hasNext() {
            boolean more = inner.hasNext();
            if (more && given == limit) {
                throw new IllegalStateException("epoch " + epoch + " has more than itersPerEpoch " + limit
                        + " minibatches; use the same data and batch size for every part of a cycle");
            }
            return more;
        }

        @Override
        public org.nd4j.linalg.dataset.DataSet next() {
            given++;
            return inner.next();
        }

        @Override
        public org.nd4j.linalg.dataset.DataSet next(int num) {
            given++;
            return inner.next(num);
        }

        @Override
        public int inputColumns() {
            return inner.inputColumns();
        }

        @Override
        public int totalOutcomes() {
            return inner.totalOutcomes();
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("reset within one epoch");
        }

        @Override
        public int batch() {
            return inner.batch();
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            inner.setPreProcessor(preProcessor);
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return inner.getPreProcessor();
        }

        @Override
        public List<String> getLabels() {
            return inner.getLabels();
        }
    }
}
