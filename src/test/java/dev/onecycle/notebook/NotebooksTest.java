package dev.onecycle.notebook;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.onecycle.notebook.NoteRunner.NoteResult;
import dev.onecycle.notebook.NoteRunner.ParagraphResult;
import dev.onecycle.notebook.NoteRunner.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Executes every code paragraph of every note in {@code notebooks/} in order, headlessly (at the study's CI
 * size), and fails on the first paragraph that does not finish. The executed notes, with their results, are
 * written to {@code target/notebooks/} for a person to open in Zeppelin.
 */
class NotebooksTest {
    static final Map<String, String> SPARK = Map.of("spark.master", "local[2]", "spark.ui.enabled", "false",
            "spark.driver.host", "127.0.0.1");

    @TestFactory
    Stream<DynamicTest> everyNoteRunsToTheEnd() throws IOException {
        List<Path> notes;
        try (Stream<Path> s = Files.list(Paths.get("notebooks"))) {
            notes = s.filter(p -> p.toString().endsWith(".zpln")).sorted().collect(Collectors.toList());
        }
        assertFalse(notes.isEmpty(), "no notes in notebooks/");
        NoteRunner runner = new NoteRunner(SPARK, System.out);
        return notes.stream().map(note -> DynamicTest.dynamicTest(note.getFileName().toString(), () -> {
            NoteResult r = runner.run(note);
            NoteRunner.write(r, Paths.get("target", "notebooks"));
            long code = r.paragraphs().stream().filter(p -> p.status() != Status.SKIPPED).count();
            if (code == 0) {
                fail(note + " has no code paragraphs");
            }
            for (ParagraphResult p : r.paragraphs()) {
                if (p.status() == Status.ERROR) {
                    fail(note + ": " + p.label() + " failed:\n" + p.output());
                }
                if (p.status() == Status.READY) {
                    fail(note + ": " + p.label() + " did not run");
                }
            }
        }));
    }
}
