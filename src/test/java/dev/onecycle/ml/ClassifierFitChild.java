package dev.onecycle.ml;

/**
 * A driver that fits {@link ClassifierResumeAfterKillTest#estimator} with checkpoints (args: checkpoint folder,
 * resume true/false) and prints {@code fitted} when done: the child JVM the test kills.
 */
public final class ClassifierFitChild {
    private ClassifierFitChild() {
    }

    public static void main(String[] args) {
        try {
            ClassifierResumeAfterKillTest.estimator().setCheckpointDir(args[0]).setResume(Boolean.parseBoolean(args[1]))
                    .fit(ClassifierResumeAfterKillTest.data());
            System.out.println("fitted");
        } finally {
            Frames.stop();
        }
    }
}
