package dev.onecycle.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.learning.config.AMSGrad;
import org.nd4j.linalg.learning.config.AdaMax;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nadam;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * A DL4J {@code TrainingListener} that records, after every minibatch step, the learning rate and momentum
 * the network's updater applied in that step. It reads them from the gradient updater that did the update
 * with the same (iteration, epoch) DL4J passed it, so a wrong counter or a wrong schedule shows up here.
 */
public final class AppliedScheduleRecorder extends BaseTrainingListener {
    private final int worker;
    private final int round;
    private final String device;
    private final List<AppliedStep> steps = new ArrayList<>();

    /** A recorder for a single machine. */
    public AppliedScheduleRecorder() {
        this(-1, -1);
    }

    /** A recorder for one worker in one averaging round, on the CPU. */
    public AppliedScheduleRecorder(int worker, int round) {
        this(worker, round, "cpu");
    }

    /**
     * A recorder for one worker in one averaging round that computes on {@code device}
     * ({@link dev.onecycle.gpu.TaskDevice#bindCurrentTask()}'s label).
     */
    public AppliedScheduleRecorder(int worker, int round, String device) {
        this.worker = worker;
        this.round = round;
        this.device = java.util.Objects.requireNonNull(device, "device");
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        IUpdater u = Network.of(model).appliedUpdaters().get(0);
        steps.add(new AppliedStep(iteration, epoch, worker, round, u.getLearningRate(iteration, epoch),
                momentumOf(u, iteration, epoch), model.score(), device));
    }

    /** The momentum (or beta1) an updater applies at (iteration, epoch); NaN if it has none. */
    public static double momentumOf(IUpdater u, int iteration, int epoch) {
        if (u instanceof Nesterovs) {
            return ((Nesterovs) u).currentMomentum(iteration, epoch);
        }
        if (u instanceof Adam) {
            return ((Adam) u).getBeta1();
        }
        if (u instanceof AdaMax) {
            return ((AdaMax) u).getBeta1();
        }
        if (u instanceof Nadam) {
            return ((Nadam) u).getBeta1();
        }
        if (u instanceof AMSGrad) {
            return ((AMSGrad) u).getBeta1();
        }
        return Double.NaN;
    }

    /** The steps recorded so far, in the order they ran. */
    public List<AppliedStep> steps() {
        return Collections.unmodifiableList(steps);
    }
}
