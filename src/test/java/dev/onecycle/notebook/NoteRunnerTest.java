package dev.onecycle.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onecycle.notebook.NoteRunner.Message;
import dev.onecycle.notebook.NoteRunner.NoteResult;
import dev.onecycle.notebook.NoteRunner.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner itself: what counts as a paragraph error, and what output is kept. */
class NoteRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path note(String name, String... paragraphs) throws Exception {
        ObjectNode root = JSON.createObjectNode().put("name", name).put("id", "2TEST");
        ArrayNode ps = root.putArray("paragraphs");
        for (int i = 0; i < paragraphs.length; i++) {
            ps.addObject().put("title", "p" + i).put("text", paragraphs[i]).put("id", "paragraph_" + i)
                    .put("status", "READY");
        }
        Path f = dir.resolve(name + ".zpln");
        JSON.writeValue(f.toFile(), root);
        return f;
    }

    private static NoteResult run(Path note) throws Exception {
        return new NoteRunner(NotebooksTest.SPARK, null).run(note);
    }

    @Test
    void runsScalaSqlAndKeepsDisplayOutput() throws Exception {
        NoteResult r = run(note("good",
                "%md\n# a title",
                "%spark\nval x = sc.parallelize(1 to 10, 2).map(_ * 2).sum.toInt\nprintln(\"%html <b>\" + x + \"</b>\")",
                "println(\"%table a\\tb\\n1\\t\" + x)",
                "%sql\nselect 1 as one"));
        assertTrue(r.ok(), () -> r.paragraphs().toString());
        assertEquals(List.of(Status.SKIPPED, Status.FINISHED, Status.FINISHED, Status.FINISHED),
                r.paragraphs().stream().map(NoteRunner.ParagraphResult::status).toList());
        assertTrue(r.paragraphs().get(1).messages().contains(new Message("HTML", "<b>110</b>\nx: Int = 110\n")),
                () -> r.paragraphs().get(1).messages().toString());
        assertEquals(new Message("TABLE", "a\tb\n1\t110\n"), r.paragraphs().get(2).messages().get(0));
        assertEquals(new Message("TABLE", "one\n1\n"), r.paragraphs().get(3).messages().get(0));

        Path written = NoteRunner.write(r, dir.resolve("out"));
        JsonNode p = JSON.readTree(written.toFile()).path("paragraphs").get(2);
        assertEquals("FINISHED", p.path("status").asText());
        assertEquals("SUCCESS", p.path("results").path("code").asText());
        assertEquals("TABLE", p.path("results").path("msg").get(0).path("type").asText());
    }

    @Test
    void compileErrorsExceptionsAndIncompleteInputAreErrors() throws Exception {
        NoteResult compile = run(note("compile", "val ok = 1", "val y: Int = \"s\"", "println(ok)"));
        assertFalse(compile.ok());
        assertEquals(List.of(Status.FINISHED, Status.ERROR, Status.READY),
                compile.paragraphs().stream().map(NoteRunner.ParagraphResult::status).toList());
        assertTrue(compile.firstError().output().contains("error: type mismatch"), compile.firstError().output());

        NoteResult thrown = run(note("thrown", "throw new IllegalStateException(\"boom\")"));
        assertEquals(Status.ERROR, thrown.firstError().status());
        assertTrue(thrown.firstError().output().contains("IllegalStateException: boom"),
                thrown.firstError().output());

        NoteResult incomplete = run(note("incomplete", "val z = (1 +"));
        assertEquals(Status.ERROR, incomplete.paragraphs().get(0).status());
        assertTrue(incomplete.firstError().output().contains("incomplete"), incomplete.firstError().output());
    }

    @Test
    void interpreterPrefixes() {
        assertEquals(List.of("spark", "\nval a = 1"), List.of(NoteRunner.splitInterpreter("%spark\nval a = 1")));
        assertEquals(List.of("spark.sql", " select 1"), List.of(NoteRunner.splitInterpreter("%spark.sql select 1")));
        assertEquals(List.of("spark", "1 + 1"), List.of(NoteRunner.splitInterpreter("1 + 1")));
        assertEquals(List.of("spark", "\nx"), List.of(NoteRunner.splitInterpreter("%spark(pool=a)\nx")));
    }

    @Test
    void displayDirectivesStartNewMessages() {
        assertEquals(List.of(new Message("TEXT", "before\n"), new Message("HTML", "<p>x</p>\nmore\n"),
                new Message("TEXT", "after\n")),
                NoteRunner.messages("before\n%html <p>x</p>\nmore\n%text after\n"));
        assertEquals(List.of(), NoteRunner.messages("\n\n"));
    }
}
