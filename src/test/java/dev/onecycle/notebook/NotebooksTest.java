package dev.onecycle.notebook;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.onecycle.notebook.NoteRunner.NoteResult;
import dev.onecycle.notebook.NoteRunner.ParagraphResult;
import dev.onecycle.notebook.NoteRunner.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Executes every code paragraph of every note in {@code notebooks/} in order, headlessly (at the study's CI
 * size), and fails on the first paragraph that does not finish, on any paragraph whose output Zeppelin would
 * truncate, and on any paragraph whose output is not well under Zeppelin's limit ({@link #SHIPPED_BUDGET}). The
 * executed notes, with their results, are written to {@code target/notebooks/} for a person to open in Zeppelin.
 */
class NotebooksTest {
    static final Map<String, String> SPARK = Map.of("spark.master", "local[2]", "spark.ui.enabled", "false",
            "spark.driver.host", "127.0.0.1");

    /**
     * The most output (bytes, all messages of a paragraph, HTML included) a shipped note's paragraph may have:
     * 75% of Zeppelin's limit. Zeppelin itself counts each TEXT or TABLE message on its own and never cuts HTML;
     * this budget is stricter, so that a few more lines, a larger chart or another table still stay under it.
     */
    static final long SHIPPED_BUDGET = NoteRunner.ZEPPELIN_OUTPUT_LIMIT * 3L / 4;

    @TestFactory
    Stream<DynamicTest> everyNoteRunsToTheEnd() throws IOException {
        List<Path> notes;
        try (Stream<Path> s = Files.list(Paths.get("notebooks"))) {
            notes = s.filter(p -> p.toString().endsWith(".zpln")).filter(p -> !isPySparkNote(p)).sorted()
                    .collect(Collectors.toList());
        }
        assertFalse(notes.isEmpty(), "no notes in notebooks/");
        NoteRunner runner = new NoteRunner(SPARK, System.out);
        return notes.stream().map(note -> DynamicTest.dynamicTest(note.getFileName().toString(), () -> {
            NoteResult r = runner.run(note);
            NoteRunner.write(r, Paths.get("target", "notebooks"));
            List<String> problems = problems(r, SHIPPED_BUDGET);
            if (!problems.isEmpty()) {
                fail(note + ":\n" + String.join("\n", problems));
            }
        }));
    }

    /**
     * A note of %pyspark paragraphs (04-pyspark-pipeline.zpln): NoteRunner runs Scala, so the Python suite runs it
     * (python/tests/test_zeppelin_pyspark_note.py).
     */
    static boolean isPySparkNote(Path note) {
        try {
            return Files.readString(note).contains("\"%pyspark");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What is wrong with an executed note, empty when nothing: no code paragraph, a paragraph that failed or
     * did not run, one whose TEXT or TABLE output Zeppelin would truncate, one with more than {@code budget}
     * bytes of output.
     */
    static List<String> problems(NoteResult r, long budget) {
        List<String> problems = new ArrayList<>();
        long code = r.paragraphs().stream().filter(p -> p.status() != Status.SKIPPED).count();
        if (code == 0) {
            problems.add("no code paragraphs");
        }
        for (ParagraphResult p : r.paragraphs()) {
            if (p.status() == Status.ERROR) {
                problems.add(p.label() + " failed:\n" + p.output());
            }
            if (p.status() == Status.READY) {
                problems.add(p.label() + " did not run");
            }
            if (p.truncated()) {
                problems.add(p.label() + ": Zeppelin would truncate its output (zeppelin.interpreter.output.limit,"
                        + " " + NoteRunner.ZEPPELIN_OUTPUT_LIMIT + " bytes by default); messages: " + sizes(p));
            }
            if (p.outputBytes() > budget) {
                problems.add(String.format(Locale.ROOT, "%s: %,d bytes of output, more than the %,d allowed "
                        + "(Zeppelin cuts TEXT and TABLE output at %,d); messages: %s", p.label(), p.outputBytes(),
                        budget, NoteRunner.ZEPPELIN_OUTPUT_LIMIT, sizes(p)));
            }
        }
        return problems;
    }

    private static String sizes(ParagraphResult p) {
        return p.messages().stream().map(m -> m.type() + " " + m.data().getBytes(StandardCharsets.UTF_8).length)
                .collect(Collectors.joining(", "));
    }
}
