package dev.onecycle.study;

/**
 * One {@code onecycle train} run of a policy: a whole cycle of {@code totEpochs} in its own folder
 * ({@code cycle-N}, from the previous cycle's {@code model.zip} with {@code --new-cycle} when {@code fromPrevious}),
 * or a piece of policy 1's cycle ({@code piece}: epochs [startEpoch, startEpoch + epochs) of one cycle whose
 * pieces share a run folder and a checkpoint folder, each resuming from the previous piece's checkpoint).
 *
 * @param stopAfterEpochs for a piece stopped on purpose: SIGTERM once the checkpoint of this many of its epochs
 *                        exists (the job stops gracefully at a checkpoint, exit 75; the study then resumes it);
 *                        0: none
 */
public record StudyJob(String name, String folder, int totEpochs, int startEpoch, int epochs, double lrMax,
        boolean fromPrevious, int stopAfterEpochs) {

    static StudyJob cycle(int n, int epochs, double lrMax, boolean fromPrevious) {
        return new StudyJob("cycle " + n, "cycle-" + n, epochs, 0, epochs, lrMax, fromPrevious, 0);
    }

    static StudyJob piece(int n, int totEpochs, int startEpoch, int epochs, double lrMax, boolean stopped) {
        return new StudyJob("piece " + n + " (epochs " + (startEpoch + 1) + "-" + (startEpoch + epochs) + ")", "pieces",
                totEpochs, startEpoch, epochs, lrMax, false, stopped ? 1 : 0);
    }

    /** The epoch this job ends at (exclusive) within its cycle. */
    public int endEpoch() {
        return startEpoch + epochs;
    }

    boolean isPiece() {
        return folder.equals("pieces");
    }
}
