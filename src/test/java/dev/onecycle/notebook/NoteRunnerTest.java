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
import dev.onecycle.notebook.NoteRunner.ParagraphResult;
import dev.onecycle.notebook.NoteRunner.Status;
import java.nio.charset.StandardCharsets;
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
        // the REPL's echo of a definition: "val x: Int = 110" in Scala 2.13 (Spark 4), "x: Int = 110" in 2.12
        String echo = scala.util.Properties.versionNumberString().startsWith("2.12.") ? "x: Int = 110" : "val x: Int = 110";
        assertTrue(r.paragraphs().get(1).messages().contains(new Message("HTML", "<b>110</b>\n" + echo + "\n")),
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
    void textOrTableOutputPastZeppelinsLimitIsTruncatedAndFailsTheNotebookTests() throws Exception {
        // 2,500 lines of 51 bytes: 127,500 bytes of TEXT, and as much as a %table
        NoteResult r = run(note("over-limit",
                "(1 to 2500).foreach(i => println(f\"line $i%05d \" + \"x\" * 39))",
                "println(\"%table i\\tx\\n\" + (1 to 2500).map(i => f\"$i%05d\\t\" + \"x\" * 43).mkString(\"\\n\"))",
                "println(\"%html <p>\" + \"x\" * 200000 + \"</p>\")",
                "(1 to 1000).foreach(i => println(f\"line $i%05d \" + \"x\" * 39))"));
        List<ParagraphResult> ps = r.paragraphs();
        for (int i : new int[] {0, 1}) {
            ParagraphResult p = ps.get(i);
            assertTrue(p.truncated(), p.label());
            assertEquals(2, p.messages().size(), () -> p.messages().toString());
            Message kept = p.messages().get(0);
            assertEquals(i == 0 ? "TEXT" : "TABLE", kept.type());
            // Zeppelin cuts at the first line end past the limit
            int keptBytes = kept.data().getBytes(StandardCharsets.UTF_8).length;
            assertTrue(keptBytes > NoteRunner.ZEPPELIN_OUTPUT_LIMIT - 60 && keptBytes < NoteRunner.ZEPPELIN_OUTPUT_LIMIT + 60,
                    "kept " + keptBytes);
            assertEquals("HTML", p.messages().get(1).type());
            assertTrue(p.messages().get(1).data().contains("Output is truncated"), p.messages().get(1).data());
        }
        assertFalse(ps.get(2).truncated(), "Zeppelin does not cut HTML");
        assertEquals(200_008, ps.get(2).messages().get(0).data().length());
        assertFalse(ps.get(3).truncated(), "51,000 bytes are under the limit");

        assertFalse(r.ok());
        List<String> problems = NotebooksTest.problems(r, Long.MAX_VALUE);
        assertEquals(2, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("paragraph 1 'p0': Zeppelin would truncate its output"), problems.get(0));
        assertTrue(problems.get(1).startsWith("paragraph 2 'p1': Zeppelin would truncate its output"), problems.get(1));
        // the shipped notes' own budget: 75% of the limit, HTML included
        List<String> budget = NotebooksTest.problems(r, NotebooksTest.SHIPPED_BUDGET);
        assertEquals(5, budget.size(), budget::toString);
        assertTrue(budget.get(4).startsWith("paragraph 3 'p2': 200,008 bytes of output, more than the 76,800 allowed"),
                budget.get(4));
    }

    @Test
    void aNoteUnderTheLimitHasNoProblems() throws Exception {
        NoteResult r = run(note("under-limit", "(1 to 1000).foreach(i => println(f\"line $i%05d \" + \"x\" * 39))"));
        assertTrue(r.ok());
        assertEquals(List.of(), NotebooksTest.problems(r, NotebooksTest.SHIPPED_BUDGET));
        assertEquals(51_000, r.paragraphs().get(0).outputBytes());
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
