package dev.onecycle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The check of the resume tests: a run folder holds what an uninterrupted run's holds, bitwise on CPU: the final
 * parameters, updater state and counters of {@code model.zip}, every row of {@code applied-schedule.csv}, and
 * every row of {@code metrics.csv} but its last column (the seconds differ).
 */
final class SameRun {
    private SameRun() {
    }

    static void assertSameAs(Path reference, Path runDir) throws IOException {
        Network model = Network.restore(runDir.resolve("model.zip").toFile());
        Network ref = Network.restore(reference.resolve("model.zip").toFile());
        assertEquals(ref.paramsSha256(), model.paramsSha256(), "bitwise identical final parameters");
        assertEquals(Files.readAllLines(reference.resolve("applied-schedule.csv")),
                Files.readAllLines(runDir.resolve("applied-schedule.csv")), "same applied schedule, every row once");
        assertEquals(withoutTimes(reference), withoutTimes(runDir), "same metrics, times aside");
        assertEquals(ref.iterationCount(), model.iterationCount());
        assertEquals(ref.epochCount(), model.epochCount());
        assertTrue(model.updaterState().equalsWithEps(ref.updaterState(), 0.0), "same updater state");
    }

    private static List<String> withoutTimes(Path runDir) throws IOException {
        return Files.readAllLines(runDir.resolve("metrics.csv")).stream()
                .map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }
}
