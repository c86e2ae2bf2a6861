package dev.onecycle.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.onecycle.dl4j.AppliedStep;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunRecorderTest {

    @Test
    void resumingOverAFileWithoutTheDeviceColumnKeepsItsRowsMarkedUnrecorded(@TempDir Path tmp) throws Exception {
        RunFolder run = RunFolder.open(tmp, false);
        Files.write(run.temporary("applied-schedule.csv"), List.of(AppliedStep.CSV_HEADER_WITHOUT_DEVICE,
                "0,0,0.004,0.95,0,0,2.3", "1,0,0.005,0.94,0,0,2.2", "2,0,0.006,0.93,0,1,2.1"));
        try (RunRecorder r = new RunRecorder(run, List.of(), new PrintWriter(new StringWriter()), 0, 2, List.of(),
                List.of())) {
            r.commit();
        }
        assertEquals(List.of(AppliedStep.CSV_HEADER, "0,0,0.004,0.95,0,0,2.3,unrecorded",
                "1,0,0.005,0.94,0,0,2.2,unrecorded"), Files.readAllLines(run.resolve("applied-schedule.csv")));
    }

    @Test
    void resumingOverAFileWithTheDeviceColumnKeepsItsRowsAsTheyAre(@TempDir Path tmp) throws Exception {
        RunFolder run = RunFolder.open(tmp, false);
        Files.write(run.temporary("applied-schedule.csv"), List.of(AppliedStep.CSV_HEADER,
                "0,0,0.004,0.95,0,0,2.3,gpu:1", "1,0,0.005,0.94,0,0,2.2,gpu:1", "2,0,0.006,0.93,0,1,2.1,gpu:0"));
        try (RunRecorder r = new RunRecorder(run, List.of(), new PrintWriter(new StringWriter()), 0, 2, List.of(),
                List.of())) {
            r.commit();
        }
        assertEquals(List.of(AppliedStep.CSV_HEADER, "0,0,0.004,0.95,0,0,2.3,gpu:1", "1,0,0.005,0.94,0,0,2.2,gpu:1"),
                Files.readAllLines(run.resolve("applied-schedule.csv")));
    }
}
