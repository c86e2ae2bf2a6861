package dev.onecycle.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs {@link Main#run} in-process and keeps what it printed. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> outLines() {
        return out.lines().toList();
    }

    List<String> errLines() {
        return err.lines().toList();
    }

    /** The run was refused as bad usage: exit 2, one line {@code onecycle: ...} holding every fragment. */
    static void assertRefused(CliRun run, String... fragments) {
        org.junit.jupiter.api.Assertions.assertEquals(Main.EXIT_USAGE, run.exitCode(), run.err());
        org.junit.jupiter.api.Assertions.assertEquals(1, run.errLines().size(), "one line: " + run.err());
        org.junit.jupiter.api.Assertions.assertTrue(run.err().startsWith("onecycle: "), run.err());
        for (String f : fragments) {
            org.junit.jupiter.api.Assertions.assertTrue(run.err().contains(f), "'" + f + "' in: " + run.err());
        }
    }
}
