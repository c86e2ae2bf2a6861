package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * docs/cli.md's options tables are the commands' flags as declared: every flag of every {@code onecycle} command
 * (the settings' flags made from {@code dev.onecycle.settings} declarations, and the picocli options of the
 * commands), with its parameter, default and doc, rendered from the same {@link CommandSpec}s that parse the
 * command line. A flag added, removed or changed without the docs following fails here, with the command that
 * regenerates the tables ({@code -Donecycle.docs.write=true} rewrites them in place).
 */
class CliDocsTest {
    static final Path CLI_MD = Paths.get("docs", "cli.md");
    static final String REGENERATE = "mvn -o -q test -Dtest=CliDocsTest -Donecycle.docs.write=true";
    private static final Pattern BLOCK = Pattern.compile(
            "(<!-- BEGIN generated options: ([a-z-]+) -->\n)(.*?)(<!-- END generated options: \\2 -->)", Pattern.DOTALL);

    static CommandLine onecycle() {
        return Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    /** One markdown row per option and positional parameter of {@code spec} (help and version left out). */
    static List<String> rows(CommandSpec spec) {
        List<String> rows = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String flag = String.join(", ", o.names()) + (o.arity().max() > 0 ? " " + o.paramLabel() : "");
            rows.add(row(flag, o));
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            rows.add(row(p.paramLabel() + " (argument)", p));
        }
        return rows;
    }

    private static String row(String flag, ArgSpec a) {
        String doc = String.join(" ", a.description()).replace('\n', ' ').trim();
        String dflt = a.defaultValue() == null ? "" : a.defaultValue();
        int at = doc.lastIndexOf("(default: ");
        int close = doc.lastIndexOf(')');
        if (at >= 0 && close > at && doc.substring(close + 1).matches("\\.?")) {
            dflt = doc.substring(at + "(default: ".length(), close);
            doc = (doc.substring(0, at).stripTrailing() + doc.substring(close + 1)).trim();
        }
        if (a.required()) {
            dflt = "required";
        }
        return "| `" + cell(flag) + "` | " + cell(dflt) + " | " + cell(doc) + " |";
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }

    /** The generated table of {@code command} ({@code lr-find}: only what differs from {@code train}). */
    static String table(String command) {
        CommandLine cl = onecycle();
        List<String> rows = rows(cl.getSubcommands().get(command).getCommandSpec());
        StringBuilder b = new StringBuilder();
        if (command.equals("lr-find")) {
            Set<String> train = new LinkedHashSet<>(rows(cl.getSubcommands().get("train").getCommandSpec()));
            Set<String> own = new LinkedHashSet<>(rows);
            Set<String> missing = new LinkedHashSet<>(train);
            missing.removeAll(own);
            own.removeAll(train);
            if (own.isEmpty() && missing.isEmpty()) {
                return "(nothing: `lr-find` has exactly `train`'s flags, defaults and docs)\n";
            }
            rows = new ArrayList<>(own);
            for (String m : missing) {
                rows.add(m.replaceFirst("^\\| `([^`]*)` \\|", "| `$1` (train only) |"));
            }
        }
        b.append("| flag | default | |\n|---|---|---|\n");
        rows.forEach(r -> b.append(r).append('\n'));
        return b.toString();
    }

    /** docs/cli.md with every generated block rendered anew. */
    static String regenerated(String doc) {
        Matcher m = BLOCK.matcher(doc);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + table(m.group(2)) + m.group(4)));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Test
    void theOptionsTablesOfDocsCliMdAreTheDeclaredFlags() throws IOException {
        String doc = Files.readString(CLI_MD, StandardCharsets.UTF_8);
        String expected = regenerated(doc);
        if (Boolean.getBoolean("onecycle.docs.write") && !expected.equals(doc)) {
            Files.writeString(CLI_MD, expected, StandardCharsets.UTF_8);
            doc = expected;
        }
        if (!expected.equals(doc)) {
            fail(CLI_MD + ": the options tables differ from the flags the commands declare (a flag added, removed or "
                    + "changed in dev.onecycle.settings or dev.onecycle.cli?); regenerate them with `" + REGENERATE
                    + "` and commit the file. First difference: " + firstDifference(doc, expected));
        }
    }

    @Test
    void everyCommandHasAGeneratedTableInDocsCliMd() throws IOException {
        String doc = Files.readString(CLI_MD, StandardCharsets.UTF_8);
        Set<String> tables = new LinkedHashSet<>();
        Matcher m = BLOCK.matcher(doc);
        while (m.find()) {
            tables.add(m.group(2));
        }
        Set<String> commands = new LinkedHashSet<>(onecycle().getSubcommands().keySet());
        commands.remove("help");
        assertEquals(commands, tables, CLI_MD + " needs one '<!-- BEGIN generated options: NAME -->' ... "
                + "'<!-- END generated options: NAME -->' block per command; then run `" + REGENERATE + "`");
    }

    @Test
    void theTableHasARowForEverySettingFlagOfTrainWithItsDefault() {
        String train = table("train");
        // a flag made from a declaration (dev.onecycle.settings.Settings), and one written in TrainCommand
        assertTrue(train.contains("| `--lr-max X\\|auto` | 0.1 | Peak learning rate"), train);
        assertTrue(train.contains("| `--master URL` | local[*] |"), train);
        assertTrue(train.contains("`--keep-checkpoints"), train);
        // a flag added to the command (as a new declaration would add one) is a row the docs then lack
        CommandSpec spec = onecycle().getSubcommands().get("train").getCommandSpec();
        int before = rows(spec).size();
        spec.addOption(OptionSpec.builder("--a-new-flag").paramLabel("N").type(Integer.class)
                .description("A flag nobody documented (default: 7).").build());
        List<String> after = rows(spec);
        assertEquals(before + 1, after.size());
        assertEquals("| `--a-new-flag N` | 7 | A flag nobody documented. |", after.get(after.size() - 1));
    }

    private static String firstDifference(String actual, String expected) {
        String[] a = actual.split("\n", -1);
        String[] e = expected.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, e.length); i++) {
            String x = i < a.length ? a[i] : "<end of file>";
            String y = i < e.length ? e[i] : "<end of file>";
            if (!x.equals(y)) {
                return "line " + (i + 1) + " is\n  " + x + "\nbut the declarations give\n  " + y;
            }
        }
        return "none";
    }
}
