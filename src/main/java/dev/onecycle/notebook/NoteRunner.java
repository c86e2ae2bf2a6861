package dev.onecycle.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction0;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;

/**
 * Runs the paragraphs of Zeppelin notes ({@code .zpln} JSON) in order, headlessly, the way Zeppelin's Spark
 * interpreter would: a Scala 2.12 REPL (class-based, as Spark's shell) with {@code spark} and {@code sc}
 * bound to a fresh Spark session per note.
 *
 * <ul>
 *   <li>{@code %spark} (also {@code %spark.spark}, {@code %spark.scala}, or no prefix): Scala. A compile error
 *   ({@code error:} output) or an exception is a paragraph error: the REPL's result ({@code Error},
 *   {@code Incomplete}) decides, not any exit code.</li>
 *   <li>{@code %sql} / {@code %spark.sql}: {@code spark.sql(text)}, shown as a {@code %table}.</li>
 *   <li>{@code %md} / {@code %markdown} and disabled or empty paragraphs: skipped.</li>
 *   <li>Anything else (pyspark, sh...): an error.</li>
 * </ul>
 *
 * <p>Output lines starting with {@code %html}, {@code %table} or {@code %text} start a new result message of
 * that type, as in Zeppelin. The first failing paragraph stops its note; the rest are left unrun.
 *
 * <p>Command line: {@code NoteRunner [--master URL] [--conf k=v]... [--out DIR] note.zpln...}; writes each
 * executed note (results filled in, openable in Zeppelin) to {@code DIR}, prints a summary and exits 1 if any
 * paragraph failed. The project's classes must be on the JVM classpath (the REPL compiles against it).
 */
public final class NoteRunner {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ZEPPELIN_DATE = "yyyy-MM-dd HH:mm:ss.SSS";

    /** The session the running note's {@code spark} is bound to. */
    private static volatile SparkSession current;

    private final Map<String, String> sparkConf;
    private final PrintStream log;

    /** Status of one paragraph: FINISHED, ERROR, SKIPPED (markdown, disabled, empty) or READY (not run). */
    public enum Status { FINISHED, ERROR, SKIPPED, READY }

    /** One message of a paragraph's result: {@code TEXT}, {@code HTML} or {@code TABLE}. */
    public record Message(String type, String data) {
    }

    /** What one paragraph did. */
    public record ParagraphResult(int index, String id, String title, String interpreter, Status status,
            List<Message> messages, double seconds) {

        /** The whole output as Zeppelin would show it (type prefixes included). */
        public String output() {
            StringBuilder b = new StringBuilder();
            for (Message m : messages) {
                if (!"TEXT".equals(m.type())) {
                    b.append('%').append(m.type().toLowerCase(Locale.ROOT)).append(' ');
                }
                b.append(m.data());
                if (b.length() > 0 && b.charAt(b.length() - 1) != '\n') {
                    b.append('\n');
                }
            }
            return b.toString();
        }

        /** Title, or the first line of the code when the paragraph has none. */
        public String label() {
            return "paragraph " + (index + 1) + (title == null || title.isEmpty() ? "" : " '" + title + "'");
        }
    }

    /** A note after running: its name, its paragraphs, and the JSON with results filled in. */
    public record NoteResult(Path file, String name, List<ParagraphResult> paragraphs, JsonNode executed,
            double seconds) {

        public boolean ok() {
            return paragraphs.stream().noneMatch(p -> p.status() == Status.ERROR);
        }

        /** The first failing paragraph, or null. */
        public ParagraphResult firstError() {
            return paragraphs.stream().filter(p -> p.status() == Status.ERROR).findFirst().orElse(null);
        }
    }

    /**
     * @param sparkConf Spark settings for each note's session (e.g. {@code spark.master}); the master defaults
     *     to the {@code spark.master} system property, else {@code local[*]}
     * @param log where progress lines go (paragraph by paragraph), or null
     */
    public NoteRunner(Map<String, String> sparkConf, PrintStream log) {
        this.sparkConf = new LinkedHashMap<>(sparkConf);
        this.log = log;
    }

    /** The Spark session of the note being run; the REPL binds {@code spark} to it. */
    public static SparkSession session() {
        SparkSession s = current;
        if (s == null) {
            throw new IllegalStateException("no note is running");
        }
        return s;
    }

    /** Runs every code paragraph of {@code note} in order in a fresh interpreter and Spark session. */
    public NoteResult run(Path note) throws IOException {
        JsonNode root = JSON.readTree(note.toFile());
        if (!root.isObject() || !root.path("paragraphs").isArray()) {
            throw new IOException(note + " is not a Zeppelin note: no \"paragraphs\" array");
        }
        ObjectNode executed = root.deepCopy();
        String name = root.path("name").asText(note.getFileName().toString());
        long started = System.nanoTime();
        Path outDir = Files.createTempDirectory("note-repl-classes");
        List<ParagraphResult> results = new ArrayList<>();
        SparkSession spark = null;
        IMain intp = null;
        Capture capture = new Capture();
        try {
            SparkConf conf = new SparkConf().setAppName("note: " + name)
                    .setMaster(System.getProperty("spark.master", "local[*]"))
                    .set("spark.repl.class.outputDir", outDir.toString());
            sparkConf.forEach(conf::set);
            log("note " + name + " (" + note + "): starting Spark (" + conf.get("spark.master") + ") and Scala");
            SparkSession session = SparkSession.builder().config(conf).getOrCreate();
            if (!outDir.toString().equals(session.sparkContext().getConf().get("spark.repl.class.outputDir", ""))) {
                // getOrCreate returned a context started elsewhere: not ours to use (nor to stop)
                throw new IllegalStateException("another SparkContext is already running in this JVM; a note needs "
                        + "its own (stop the other one first)");
            }
            spark = session;
            current = spark;
            intp = newInterpreter(outDir, capture);
            String setup = String.join("\n",
                    "@transient val spark = dev.onecycle.notebook.NoteRunner.session()",
                    "@transient val sc = spark.sparkContext",
                    "import spark.implicits._",
                    "import spark.sql",
                    "import org.apache.spark.sql.functions._");
            String setupOut = interpretCaptured(intp, setup, capture);
            if (capture.lastResult != Result.SUCCESS) {
                throw new IllegalStateException("the Scala interpreter did not start:\n" + setupOut);
            }
            ArrayNode paragraphs = (ArrayNode) executed.get("paragraphs");
            boolean failed = false;
            for (int i = 0; i < paragraphs.size(); i++) {
                ObjectNode p = (ObjectNode) paragraphs.get(i);
                ParagraphResult r = failed ? notRun(i, p) : runParagraph(i, p, intp, spark, capture);
                results.add(r);
                record(p, r);
                failed |= r.status() == Status.ERROR;
                if (r.status() != Status.SKIPPED && r.status() != Status.READY) {
                    log(String.format(Locale.ROOT, "  %s %s (%.1f s)", r.label(), r.status(), r.seconds()));
                }
                if (r.status() == Status.ERROR) {
                    log(indent(r.output()));
                }
            }
        } finally {
            if (intp != null) {
                intp.close();
            }
            current = null;
            if (spark != null) {
                spark.stop();
                SparkSession.clearActiveSession();
                SparkSession.clearDefaultSession();
            }
            deleteTree(outDir);
        }
        return new NoteResult(note, name, results, executed, (System.nanoTime() - started) / 1e9);
    }

    /** Writes the executed note (results, status, dates) as {@code dir/<file name>}. */
    public static Path write(NoteResult result, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(result.file().getFileName().toString());
        JSON.writeValue(target.toFile(), result.executed());
        return target;
    }

    private ParagraphResult runParagraph(int index, ObjectNode p, IMain intp, SparkSession spark, Capture capture) {
        String id = p.path("id").asText("");
        String title = p.path("title").asText("");
        String text = p.path("text").asText("");
        boolean enabled = p.path("config").path("enabled").asBoolean(true);
        String[] split = splitInterpreter(text);
        String interpreter = split[0];
        String code = split[1];
        if (!enabled || code.isBlank()) {
            return new ParagraphResult(index, id, title, interpreter, Status.SKIPPED, List.of(), 0);
        }
        long started = System.nanoTime();
        switch (interpreter) {
            case "md":
            case "markdown":
                return new ParagraphResult(index, id, title, interpreter, Status.SKIPPED, List.of(), 0);
            case "spark":
            case "spark.spark":
            case "spark.scala":
            case "scala": {
                String out = interpretCaptured(intp, code, capture);
                Status status = capture.lastResult == Result.SUCCESS ? Status.FINISHED : Status.ERROR;
                if (capture.lastResult == Result.INCOMPLETE) {
                    out += (out.isEmpty() || out.endsWith("\n") ? "" : "\n")
                            + "error: incomplete input (an unclosed bracket, brace or string?)\n";
                }
                return new ParagraphResult(index, id, title, interpreter, status, messages(out),
                        (System.nanoTime() - started) / 1e9);
            }
            case "sql":
            case "spark.sql":
                try {
                    String table = table(spark.sql(code.strip().replaceAll(";\\s*$", "")), 1000);
                    return new ParagraphResult(index, id, title, interpreter, Status.FINISHED,
                            List.of(new Message("TABLE", table)), (System.nanoTime() - started) / 1e9);
                } catch (RuntimeException e) {
                    return new ParagraphResult(index, id, title, interpreter, Status.ERROR,
                            List.of(new Message("TEXT", stackTrace(e))), (System.nanoTime() - started) / 1e9);
                }
            default:
                return new ParagraphResult(index, id, title, interpreter, Status.ERROR,
                        List.of(new Message("TEXT", "error: interpreter %" + interpreter
                                + " is not supported by NoteRunner (only %spark, %sql and %md)\n")), 0);
        }
    }

    private static ParagraphResult notRun(int index, ObjectNode p) {
        String[] split = splitInterpreter(p.path("text").asText(""));
        return new ParagraphResult(index, p.path("id").asText(""), p.path("title").asText(""), split[0],
                Status.READY, List.of(), 0);
    }

    /** {@code {interpreter, code}}: the leading {@code %name} (default {@code spark}) and the rest. */
    static String[] splitInterpreter(String text) {
        String t = text.stripLeading();
        if (t.startsWith("%")) {
            int end = 1;
            while (end < t.length() && !Character.isWhitespace(t.charAt(end)) && t.charAt(end) != '(') {
                end++;
            }
            String name = t.substring(1, end).toLowerCase(Locale.ROOT);
            String rest = t.substring(end);
            if (rest.startsWith("(")) { // %spark(key=value) local properties: ignored
                int close = rest.indexOf(')');
                rest = close < 0 ? rest : rest.substring(close + 1);
            }
            return new String[] {name, rest};
        }
        return new String[] {"spark", text};
    }

    /**
     * Splits output into Zeppelin result messages: a line starting with {@code %html}, {@code %table} or
     * {@code %text} starts a message of that type (the rest of the line is its first line). Empty text
     * messages are dropped.
     */
    static List<Message> messages(String output) {
        List<Message> out = new ArrayList<>();
        String type = "TEXT";
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\n", -1)) {
            String directive = null;
            for (String d : new String[] {"html", "table", "text"}) {
                if (line.equals("%" + d) || line.startsWith("%" + d + " ")) {
                    directive = d;
                }
            }
            if (directive == null) {
                lines.add(line);
                continue;
            }
            add(out, type, lines);
            type = directive.toUpperCase(Locale.ROOT);
            lines = new ArrayList<>();
            String rest = line.substring(directive.length() + 1);
            if (!rest.isBlank()) {
                lines.add(rest.substring(1));
            }
        }
        add(out, type, lines);
        return out;
    }

    private static void add(List<Message> out, String type, List<String> lines) {
        String d = String.join("\n", lines);
        d = type.equals("TEXT") ? d.strip() : d.stripTrailing();
        if (!d.isEmpty()) {
            out.add(new Message(type, d + "\n"));
        }
    }

    /** Zeppelin's {@code %table} format: a tab-separated header line, then one line per row. */
    static String table(Dataset<Row> df, int maxRows) {
        StringBuilder b = new StringBuilder(String.join("\t", df.columns())).append('\n');
        for (Row r : df.takeAsList(maxRows)) {
            for (int i = 0; i < r.size(); i++) {
                if (i > 0) {
                    b.append('\t');
                }
                b.append(String.valueOf(r.get(i)).replace('\t', ' ').replace('\n', ' '));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private enum Result { SUCCESS, ERROR, INCOMPLETE }

    /** Collects everything a paragraph prints: REPL messages, Scala's Console and System.out. */
    private static final class Capture {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        /** The REPL's own messages (results, errors), into the same stream so the order is kept. */
        final PrintWriter repl = new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
        Result lastResult;

        String take() {
            repl.flush();
            stream.flush();
            String s = bytes.toString(StandardCharsets.UTF_8);
            bytes.reset();
            return s;
        }
    }

    private IMain newInterpreter(Path outDir, Capture capture) {
        Settings settings = new Settings();
        List<String> args = List.of("-usejavacp", "-Yrepl-class-based", "-Yrepl-outdir", outDir.toString(),
                "-classpath", replClasspath());
        scala.Tuple2<Object, scala.collection.immutable.List<String>> parsed = settings.processArguments(
                JavaConverters.asScalaBuffer(new ArrayList<>(args)).toList(), true);
        if (!(Boolean) parsed._1()) {
            throw new IllegalStateException("bad Scala settings: " + args);
        }
        IMain intp = new IMain(settings, capture.repl);
        intp.initializeSynchronous();
        return intp;
    }

    /** Interprets {@code code} with all output captured; sets {@code capture.lastResult}. */
    private static String interpretCaptured(IMain intp, String code, Capture capture) {
        capture.take();
        PrintStream oldOut = System.out;
        System.setOut(capture.stream);
        try {
            Results.Result r = scala.Console.withOut(capture.stream, new AbstractFunction0<Results.Result>() {
                @Override
                public Results.Result apply() {
                    return intp.interpret(code);
                }
            });
            String name = r.getClass().getSimpleName();
            capture.lastResult = name.startsWith("Success") ? Result.SUCCESS
                    : name.startsWith("Incomplete") ? Result.INCOMPLETE : Result.ERROR;
        } catch (RuntimeException | LinkageError e) {
            capture.stream.print(stackTrace(e));
            capture.lastResult = Result.ERROR;
        } finally {
            System.out.flush();
            System.setOut(oldOut);
        }
        return capture.take();
    }

    /**
     * The JVM's classpath for the Scala compiler, with the {@code Class-Path} of a manifest-only jar (as
     * Maven Surefire and some launchers use) expanded: the compiler does not follow manifests.
     */
    static String replClasspath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            entries.add(e);
            if (e.endsWith(".jar") && Files.isRegularFile(Paths.get(e))) {
                try (JarFile jar = new JarFile(e)) {
                    Manifest m = jar.getManifest();
                    String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        URL base = Paths.get(e).toUri().toURL();
                        for (String ref : cp.trim().split("\\s+")) {
                            if (!ref.isEmpty()) {
                                entries.add(Paths.get(new URL(base, ref).toURI()).toString());
                            }
                        }
                    }
                } catch (IOException | URISyntaxException | IllegalArgumentException ex) {
                    // not a readable jar or an odd manifest: keep the entry as it is
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void record(ObjectNode p, ParagraphResult r) {
        if (r.status() == Status.SKIPPED) {
            return;
        }
        p.put("status", r.status() == Status.ERROR ? "ERROR" : r.status() == Status.READY ? "READY" : "FINISHED");
        if (r.status() == Status.READY) {
            p.remove("results");
            return;
        }
        String now = new SimpleDateFormat(ZEPPELIN_DATE, Locale.ROOT).format(new Date());
        p.put("dateFinished", now);
        ObjectNode results = p.putObject("results");
        results.put("code", r.status() == Status.ERROR ? "ERROR" : "SUCCESS");
        ArrayNode msg = results.putArray("msg");
        for (Message m : r.messages()) {
            msg.addObject().put("type", m.type()).put("data", m.data());
        }
    }

    private void log(String line) {
        if (log != null) {
            log.println(line);
            log.flush();
        }
    }

    private static String indent(String s) {
        return ("    " + s.stripTrailing().replace("\n", "\n    "));
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: leave it
        }
    }

    /** {@code NoteRunner [--master URL] [--conf k=v]... [--out DIR] note.zpln...}; exit 1 on any error. */
    public static void main(String[] args) throws IOException {
        Map<String, String> conf = new LinkedHashMap<>();
        Path out = null;
        List<Path> notes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--master") || a.equals("--conf") || a.equals("--out")) && i + 1 >= args.length) {
                usage(a + " needs a value");
            }
            switch (a) {
                case "--master":
                    conf.put("spark.master", args[++i]);
                    break;
                case "--conf": {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        usage("--conf expects key=value, got '" + kv + "'");
                    }
                    conf.put(kv.substring(0, eq), kv.substring(eq + 1));
                    break;
                }
                case "--out":
                    out = Paths.get(args[++i]);
                    break;
                case "-h":
                case "--help":
                    usage(null);
                    break;
                default:
                    if (a.startsWith("-")) {
                        usage("unknown option " + a);
                    }
                    notes.add(Paths.get(a));
            }
        }
        if (notes.isEmpty()) {
            usage("no note given");
        }
        NoteRunner runner = new NoteRunner(conf, System.err);
        boolean ok = true;
        List<String> summary = new ArrayList<>();
        for (Path note : notes) {
            NoteResult r = runner.run(note);
            ok &= r.ok();
            long done = r.paragraphs().stream().filter(p -> p.status() == Status.FINISHED).count();
            ParagraphResult err = r.firstError();
            summary.add(String.format(Locale.ROOT, "%s: %s, %d paragraphs finished in %.1f s%s", note,
                    r.ok() ? "OK" : "FAILED", done, r.seconds(), err == null ? "" : "; failed: " + err.label()));
            if (out != null) {
                summary.add("  wrote " + write(r, out));
            }
        }
        summary.forEach(System.out::println);
        System.exit(ok ? 0 : 1);
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("NoteRunner: " + problem);
        }
        System.err.println("usage: NoteRunner [--master URL] [--conf key=value]... [--out DIR] note.zpln...");
        System.exit(problem == null ? 0 : 2);
    }
}
