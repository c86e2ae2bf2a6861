package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.spark.ChildJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver fitting {@link OneCycleClassifier} with {@code checkpointDir} is killed with SIGKILL (a real child
 * JVM, by PID); a fit with {@code resume} continues from its newest checkpoint and ends bitwise where an
 * uninterrupted fit ends.
 */
class ClassifierResumeAfterKillTest {
    static final int TOT_EPOCHS = 6;

    @TempDir
    Path tmp;

    /** 400 rows over 2 workers in batches of 8: 25 steps per epoch. */
    static OneCycleClassifier estimator() {
        return new OneCycleClassifier().setHidden(16).setBatchSize(8).setWorkers(2).setAveragingFrequency(5)
                .setTotEpochs(TOT_EPOCHS).setLrMax(0.05);
    }

    static Dataset<Row> data() {
        return Frames.vectors(0, 400);
    }

    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    @Test
    void aFitResumedAfterItsDriverWasKilledEndsBitwiseWhereAnUninterruptedFitEnds() throws Exception {
        Path checkpoints = tmp.resolve("checkpoints");
        try (ChildJob child = ChildJob.startMain(tmp.resolve("child.log"), ClassifierFitChild.class.getName(),
                checkpoints.toString(), "false")) {
            child.awaitOutput(out -> Files.exists(checkpoints.resolve("epoch-0001").resolve("MANIFEST.json")),
                    Duration.ofMinutes(3));
            child.kill();
            assertFalse(child.output().contains("fitted"), "killed before the fit ended:\n" + child.output());
        }
        assertFalse(Files.exists(checkpoints.resolve(String.format("epoch-%04d", TOT_EPOCHS))));

        // without resume, a folder holding checkpoints is refused
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> estimator().setCheckpointDir(checkpoints.toString()).fit(data()));
        assertEquals("checkpointDir", e.parameter());
        assertTrue(e.getMessage().contains("already holds checkpoints"), e.getMessage());

        OneCycleClassificationModel resumed = estimator().setCheckpointDir(checkpoints.toString()).setResume(true)
                .fit(data());
        int firstEpoch = resumed.summary().epochs().get(0).epoch();
        assertTrue(firstEpoch >= 1, "continued from a checkpoint, not from the start: " + firstEpoch);
        assertEquals(TOT_EPOCHS - 1, resumed.summary().epochs().get(resumed.summary().epochs().size() - 1).epoch());

        OneCycleClassificationModel uninterrupted = estimator().fit(data());
        assertEquals(uninterrupted.network().paramsSha256(), resumed.network().paramsSha256(),
                "bitwise identical parameters");
        assertTrue(uninterrupted.network().updaterState().equalsWithEps(resumed.network().updaterState(), 0.0));
        assertEquals(uninterrupted.network().iterationCount(), resumed.network().iterationCount());

        // a resume with other settings is refused, naming what differs
        e = assertThrows(InvalidParameterException.class, () -> estimator().setLrMax(0.2)
                .setCheckpointDir(checkpoints.toString()).setResume(true).fit(data()));
        assertTrue(e.getMessage().contains("lrMax: checkpoint 0.05, now 0.2"), e.getMessage());
    }
}
