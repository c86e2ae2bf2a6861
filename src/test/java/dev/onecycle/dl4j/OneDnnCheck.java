package dev.onecycle.dl4j;

import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.TrainTestData;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import java.io.File;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Run by {@link OneDnnBinaryIT} in a JVM started as the launchers start one with the onednn binary: LeNet (whose
 * convolutions then run on DL4J's oneDNN helpers) trained over a 2-epoch cycle whole, and divided into two
 * one-epoch slices with a save and a restore between (resume = uninterrupted), twice each. Prints the loaded binary,
 * whether the helpers are on, and SAME when all four end bitwise equal.
 */
public final class OneDnnCheck {
    private OneDnnCheck() {
    }

    public static void main(String[] args) throws Exception {
        List<DataSet> batches = TrainTestData.of(FashionMnist.load(null, new Configuration())).train().head(32 * 12)
                .toDataSets(32, 10);
        OneCyclePolicy policy = OneCyclePolicy.builder().setLrMax(0.05).build();
        float[][] ends = new float[4][];
        for (int run = 0; run < 4; run++) {
            Network net = FashionLeNet.create(784, 10, 42);
            if (run % 2 == 0) {
                slice(policy, 0, 2).fit(net, new ListDataSetIterator<>(batches, 1));
            } else {
                slice(policy, 0, 1).fit(net, new ListDataSetIterator<>(batches, 1));
                File f = File.createTempFile("onednn-check", ".zip");
                try {
                    net.save(f);
                    net = Network.restore(f);
                } finally {
                    f.delete();
                }
                slice(policy, 1, 1).fit(net, new ListDataSetIterator<>(batches, 1));
            }
            ends[run] = net.params().dup().data().asFloat();
        }
        boolean same = Arrays.equals(ends[0], ends[1]) && Arrays.equals(ends[0], ends[2]) && Arrays.equals(ends[0], ends[3]);
        System.out.println("binary=" + NativeBinary.loaded() + " helpers=" + BaseMKLDNNHelper.mklDnnEnabled() + " "
                + (same ? "SAME" : "DIFF"));
        System.exit(0);
    }

    private static PartialOneCycleFit slice(OneCyclePolicy policy, int start, int epochs) {
        return new PartialOneCycleFit(policy, CycleSlice.builder().optTotEpochs(2).optStartEpoch(start).setEpochs(epochs)
                .setItersPerEpoch(12).build());
    }
}
