package dev.onecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's code names the project's classes through imports, never inline as {@code dev.onecycle.pkg.Type}:
 * an inline name hides a dependency between packages from a reader (jdeps still sees it: PackageCyclesTest).
 * Imports, package lines, comments and javadoc may name them.
 */
class NoInlineQualifiedNamesTest {
    private static final Pattern INLINE = Pattern.compile("\\bdev\\.onecycle\\.[a-z0-9]+\\.[A-Z]");

    static List<String> inlineNames(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                boolean inComment = false;
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).strip();
                    if (inComment) {
                        inComment = !code.contains("*/");
                        continue;
                    }
                    if (code.startsWith("/*")) {
                        inComment = !code.contains("*/");
                        continue;
                    }
                    if (code.startsWith("import ") || code.startsWith("package ") || code.startsWith("//")
                            || code.startsWith("*")) {
                        continue;
                    }
                    int comment = code.indexOf("//");
                    String beforeComment = comment >= 0 ? code.substring(0, comment) : code;
                    if (INLINE.matcher(beforeComment.replaceAll("\"([^\"\\\\]|\\\\.)*\"", "\"\"")).find()) {
                        found.add(root.relativize(f) + ":" + (i + 1) + ": " + code);
                    }
                }
            }
        }
        return found;
    }

    @Test
    void theProductNamesItsOwnClassesThroughImports() throws IOException {
        List<String> found = new ArrayList<>();
        for (String dir : List.of("src/main/java", "src/main/spark-4", "src/main/spark-3.5")) {
            Path root = Paths.get(dir);
            if (Files.isDirectory(root)) {
                found.addAll(inlineNames(root));
            }
        }
        assertEquals(List.of(), found, "inline fully-qualified names of the project's classes: import them instead");
    }

    @Test
    void anInlineNameIsFoundAndCommentsAndStringsAreNot(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("A.java"), String.join("\n",
                "package dev.onecycle.x;",
                "import dev.onecycle.y.B;",
                "/** {@link dev.onecycle.y.C} */",
                "class A {",
                "    // dev.onecycle.y.D",
                "    String s = \"dev.onecycle.y.E\";",
                "    Object o = dev.onecycle.y.F.make();",
                "}"));
        List<String> found = inlineNames(dir);
        assertEquals(1, found.size(), found.toString());
        assertEquals(true, found.get(0).startsWith("A.java:7:"), found.toString());
    }
}
