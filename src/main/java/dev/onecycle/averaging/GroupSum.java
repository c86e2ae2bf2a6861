package dev.onecycle.averaging;

import dev.onecycle.worker.RoundResult;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import scala.Tuple2;

/**
 * The sum of one group of consecutive workers' states, computed on an executor (the first level of the
 * fixed-order tree of {@link WorkerMean}), with the group's results without their states.
 */
record GroupSum(int group, float[] sum, int trained, List<RoundResult> members) implements Serializable {

    static GroupSum of(int group, Iterator<Tuple2<Integer, RoundResult>> results) {
        List<RoundResult> members = new ArrayList<>();
        results.forEachRemaining(t -> members.add(t._2()));
        members.sort(Comparator.comparingInt(RoundResult::worker));
        List<float[]> states = new ArrayList<>(members.size());
        List<RoundResult> kept = new ArrayList<>(members.size());
        int trained = 0;
        for (RoundResult r : members) {
            states.add(r.state());
            trained += r.state() == null ? 0 : 1;
            kept.add(r.withoutState());
        }
        return new GroupSum(group, WorkerMean.sum(states), trained, kept);
    }
}
