package dev.onecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.spark.OneCycleTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's packages depend on each other in one direction only, as the JDK's {@code jdeps} reads the
 * compiled classes (so an inline fully-qualified name counts like an import). From the top: the front ends
 * ({@code cli}, {@code ml}, {@code job}, {@code plot}) over the trainer ({@code spark}), checkpoints
 * ({@code checkpoint}) and the settings catalogue ({@code settings}), over the averaging strategies
 * ({@code averaging}), over the executor side ({@code worker}), over the model, data and device packages
 * ({@code dl4j}, {@code data}, {@code gpu}, {@code lrfind}) and the pure schedule math ({@code schedule}).
 */
class PackageCyclesTest {

    /**
     * What the lower packages may use: the executor side and the strategies never reach up into the trainer,
     * the catalogue, checkpoints or the front ends; the schedule math uses nothing.
     */
    private static final Map<String, Set<String>> LOWER_LAYERS = Map.of(
            "schedule", Set.of(),
            "lrfind", Set.of("schedule"),
            "dl4j", Set.of("schedule"),
            "worker", Set.of("schedule", "dl4j", "data", "gpu"),
            "averaging", Set.of("schedule", "dl4j", "data", "gpu", "worker"));

    private static PackageGraph product;

    @BeforeAll
    static void readTheProductsClasses() throws Exception {
        product = PackageGraph.of(Path.of(OneCycleTrainer.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI()), "dev.onecycle");
    }

    @Test
    void theProductsPackagesFormNoCycle() {
        PackageGraph graph = product;
        assertTrue(graph.packages().size() >= 10, "jdeps saw the product's packages: " + graph.packages());
        List<String> cycles = graph.cycles();
        assertEquals(List.of(), cycles, "packages that use each other (move the shared type down, or the user up)");
    }

    @Test
    void theExecutorSideAndTheStrategiesUseOnlyLowerPackages() {
        PackageGraph graph = product;
        List<String> wrong = new ArrayList<>();
        LOWER_LAYERS.forEach((pkg, allowed) -> {
            for (String used : graph.uses("dev.onecycle." + pkg)) {
                if (!allowed.contains(used.substring("dev.onecycle.".length()))) {
                    wrong.add(graph.why("dev.onecycle." + pkg, used));
                }
            }
        });
        assertEquals(List.of(), wrong);
        assertEquals(new TreeSet<>(Set.of("dev.onecycle.worker", "dev.onecycle.schedule")),
                graph.uses("dev.onecycle.averaging"), "the strategies train through the worker package");
    }

    /** The check itself: two packages that use each other (through a field and an inline name) are a cycle. */
    @Test
    void aCycleBetweenTwoPackagesIsFoundAndNamed(@TempDir Path dir) throws IOException {
        Path classes = compile(dir, Map.of(
                "fixture/a/A.java", "package fixture.a; public class A { fixture.b.B b; }",
                "fixture/b/B.java", "package fixture.b; public class B { Object a() { return new fixture.a.A(); } }",
                "fixture/c/C.java", "package fixture.c; public class C { fixture.a.A a; }"));
        PackageGraph graph = PackageGraph.of(classes, "fixture");
        assertEquals(List.of("[fixture.a, fixture.b] through [fixture.a.A -> fixture.b.B, fixture.b.B -> fixture.a.A]"),
                graph.cycles());
        assertEquals(Set.of("fixture.a"), graph.uses("fixture.c"));
    }

    @Test
    void packagesInOneDirectionAreNoCycle(@TempDir Path dir) throws IOException {
        Path classes = compile(dir, Map.of(
                "fixture/a/A.java", "package fixture.a; public class A { fixture.b.B b; }",
                "fixture/b/B.java", "package fixture.b; public class B { fixture.c.C c; }",
                "fixture/c/C.java", "package fixture.c; public class C { }"));
        PackageGraph graph = PackageGraph.of(classes, "fixture");
        assertEquals(List.of(), graph.cycles());
        assertEquals(Set.of("fixture.b"), graph.uses("fixture.a"));
    }

    private static Path compile(Path dir, Map<String, String> sources) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path out = Files.createDirectories(dir.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", out.toString()));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "the fixture compiles");
        return out;
    }
}
