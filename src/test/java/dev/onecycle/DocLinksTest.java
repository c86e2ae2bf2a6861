package dev.onecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and the topic pages under docs/ point at each other: every relative markdown link in README.md,
 * docs/*.md, notebooks/README.md and python/README.md names a file that exists and, with a {@code #anchor}, a
 * heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens).
 */
class DocLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern FENCE = Pattern.compile("(?ms)^```.*?^```");

    static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Paths.get("README.md"), Paths.get("notebooks", "README.md"),
                Paths.get("python", "README.md")));
        try (Stream<Path> s = Files.list(Paths.get("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** GitHub's anchor of a heading. */
    static String anchor(String heading) {
        return heading.trim().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    static Set<String> anchors(Path page) throws IOException {
        Set<String> a = new HashSet<>();
        for (String line : FENCE.matcher(Files.readString(page, StandardCharsets.UTF_8)).replaceAll("").split("\n")) {
            if (line.startsWith("#")) {
                a.add(anchor(line.replaceFirst("^#+", "")));
            }
        }
        return a;
    }

    static List<String> brokenLinks(Path page) throws IOException {
        List<String> broken = new ArrayList<>();
        String text = FENCE.matcher(Files.readString(page, StandardCharsets.UTF_8)).replaceAll("");
        Matcher m = LINK.matcher(text);
        while (m.find()) {
            String target = m.group(1);
            if (target.matches("^[a-z]+:.*")) {
                continue; // http(s), mailto: not checked here
            }
            int hash = target.indexOf('#');
            String file = hash < 0 ? target : target.substring(0, hash);
            Path resolved = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
            if (!Files.exists(resolved)) {
                broken.add(page + ": " + target + " (no file " + resolved + ")");
            } else if (hash >= 0 && resolved.toString().endsWith(".md")
                    && !anchors(resolved).contains(target.substring(hash + 1))) {
                broken.add(page + ": " + target + " (no heading with that anchor in " + file + ")");
            }
        }
        return broken;
    }

    @Test
    void everyRelativeLinkOfTheReadmeAndTheDocsResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            broken.addAll(brokenLinks(page));
        }
        assertEquals(List.of(), broken, "broken links in the documentation");
    }

    @Test
    void aBrokenLinkOrAnchorIsFound(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.md"), "# A title: `x` and --y\n\n[ok](a.md#a-title-x-and---y) [file](b.md)"
                + " [anchor](a.md#nope)\n```\n[in a fence](ignored.md)\n```\n");
        List<String> broken = brokenLinks(dir.resolve("a.md"));
        assertEquals(2, broken.size(), broken.toString());
        assertTrue(broken.get(0).contains("b.md") && broken.get(1).contains("#nope"), broken.toString());
    }
}
