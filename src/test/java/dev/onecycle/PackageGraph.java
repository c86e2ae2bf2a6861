package dev.onecycle;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

/**
 * Which packages of compiled classes use which, as the JDK's {@code jdeps} reads the bytecode (imports, inline
 * fully-qualified names and method references alike), with one class edge kept per package edge to name it.
 */
final class PackageGraph {
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+.*$");

    /** from package -> to package -> one "from.Class -> to.Class" that makes the edge. */
    private final Map<String, Map<String, String>> edges = new TreeMap<>();

    private PackageGraph() {
    }

    /** The graph of the packages under {@code prefix} (e.g. {@code "dev.onecycle"}) among the classes in {@code classes}. */
    static PackageGraph of(Path classes, String prefix) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new IllegalStateException(
                "the JDK's jdeps is missing: run the tests on a JDK (17+), not a JRE"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-e",
                Pattern.quote(prefix) + "\\..*", classes.toString());
        if (rc != 0) {
            throw new IllegalStateException("jdeps failed (" + rc + "): " + err + out);
        }
        PackageGraph g = new PackageGraph();
        for (String line : out.toString().split("\\R")) {
            Matcher m = EDGE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String from = packageOf(m.group(1));
            String to = packageOf(m.group(2));
            if (!from.equals(to) && from.startsWith(prefix + ".") && to.startsWith(prefix + ".")) {
                g.edges.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, m.group(1) + " -> " + m.group(2));
            }
        }
        return g;
    }

    private static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }

    Set<String> packages() {
        Set<String> all = new TreeSet<>(edges.keySet());
        edges.values().forEach(m -> all.addAll(m.keySet()));
        return all;
    }

    /** The packages {@code from} uses directly. */
    Set<String> uses(String from) {
        return new TreeSet<>(edges.getOrDefault(from, Map.of()).keySet());
    }

    /** A class edge that makes {@code from -> to}, or null. */
    String why(String from, String to) {
        return edges.getOrDefault(from, Map.of()).get(to);
    }

    /**
     * Every cycle between packages, one per strongly connected set of two or more, each written as its packages
     * and the class edges that join them (Tarjan's algorithm); empty when the packages form a DAG.
     */
    List<String> cycles() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] next = {0};
        for (String p : packages()) {
            if (!index.containsKey(p)) {
                connect(p, index, low, stack, onStack, components, next);
            }
        }
        List<String> cycles = new ArrayList<>();
        for (Set<String> c : components) {
            if (c.size() < 2) {
                continue;
            }
            List<String> joins = new ArrayList<>();
            for (String from : c) {
                for (String to : uses(from)) {
                    if (c.contains(to)) {
                        joins.add(why(from, to));
                    }
                }
            }
            cycles.add(c + " through " + joins);
        }
        return cycles;
    }

    private void connect(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            Set<String> onStack, List<Set<String>> components, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]);
        next[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : uses(v)) {
            if (!index.containsKey(w)) {
                connect(w, index, low, stack, onStack, components, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            components.add(component);
        }
    }
}
