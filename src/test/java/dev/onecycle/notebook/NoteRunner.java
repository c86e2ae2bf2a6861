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
import java.io.UncheckedIOException;
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
import org.apache.zeppelin.interpreter.InterpreterOutput;
import org.apache.zeppelin.interpreter.InterpreterResult;
import org.apache.zeppelin.interpreter.InterpreterResultMessageOutput;
import org.apache.zeppelin.interpreter.ResultMessages;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction0;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;

/**
 * Runs the paragraphs of Zeppelin notes ({@code .zpln} JSON) in order, headlessly, the way Zeppelin's Spark
 * interpreter would: a Scala REPL of the line's Scala (2.13 for Spark 4, 2.12 for Spark 3.5; class-based, as Spark's shell) with {@code spark} and {@code sc}
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
 * <p>A paragraph's output is split into result messages by Zeppelin's own {@link InterpreterOutput} (from
 * {@code zeppelin-interpreter} 0.11.1): a line starting with {@code %html}, {@code %table}, {@code %text}...
 * starts a message of that type, and a {@code TEXT} or {@code TABLE} message longer than
 * {@code zeppelin.interpreter.output.limit} (102,400 bytes unless set) is cut at the first line end past the
 * limit and followed by Zeppelin's "Output is truncated" message, exactly as Zeppelin shows it
 * ({@link ParagraphResult#truncated()}). {@code HTML} is never cut. The first failing paragraph stops its note;
 * the rest are left unrun.
 *
 * <p>Command line: {@code NoteRunner [--master URL] [--conf k=v]... [--output-limit BYTES] [--out DIR]
 * note.zpln...}; writes each executed note (results filled in, openable in Zeppelin) to {@code DIR}, prints a
 * summary and exits 1 if any paragraph failed or had its output truncated. The project's classes must be on the
 * JVM classpath (the REPL compiles against it).
 */
public final class NoteRunner {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ZEPPELIN_DATE = "yyyy-MM-dd HH:mm:ss.SSS";
    /** Zeppelin's default {@code zeppelin.interpreter.output.limit}, in bytes. */
    public static final int ZEPPELIN_OUTPUT_LIMIT = 102_400;

    /** The session the running note's {@code spark} is bound to. */
    private static volatile SparkSession current;

    private final Map<String, String> sparkConf;
    private final PrintStream log;
    private final int outputLimit;

    /** Status of one paragraph: FINISHED, ERROR, SKIPPED (markdown, disabled, empty) or READY (not run). */
    public enum Status { FINISHED, ERROR, SKIPPED, READY }

    /** One message of a paragraph's result: {@code TEXT}, {@code HTML} or {@code TABLE}. */
    public record Message(String type, String data) {
    }

    /**
     * What one paragraph did.
     *
     * @param messages its output as Zeppelin would keep it (already truncated when {@code truncated})
     * @param truncated whether Zeppelin would have cut a {@code TEXT} or {@code TABLE} message of it at the
     *     output limit (the output ends with Zeppelin's "Output is truncated" message)
     */
    public record ParagraphResult(int index, String id, String title, String interpreter, Status status,
            List<Message> messages, boolean truncated, double seconds) {

        /** Bytes of output (UTF-8, all messages, without type prefixes). */
        public long outputBytes() {
            return messages.stream().mapToLong(m -> m.data().getBytes(StandardCharsets.UTF_8).length).sum();
        }

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

        /** No paragraph failed and none had its output truncated. */
        public boolean ok() {
            return paragraphs.stream().noneMatch(p -> p.status() == Status.ERROR || p.truncated());
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
        this(sparkConf, log, ZEPPELIN_OUTPUT_LIMIT);
    }

    /**
     * @param outputLimit Zeppelin's {@code zeppelin.interpreter.output.limit}: the bytes of one {@code TEXT} or
     *     {@code TABLE} message past which Zeppelin truncates it
     */
    public NoteRunner(Map<String, String> sparkConf, PrintStream log, int outputLimit) {
        if (outputLimit <= 0) {
            throw new IllegalArgumentException("output limit must be positive, got " + outputLimit);
        }
        this.sparkConf = new LinkedHashMap<>(sparkConf);
        this.log = log;
        this.outputLimit = outputLimit;
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
                    log(String.format(Locale.ROOT, "  %s %s (%.1f s, %,d bytes of output%s)", r.label(), r.status(),
                            r.seconds(), r.outputBytes(), r.truncated()
                                    ? "; TRUNCATED by Zeppelin's output limit of " + outputLimit + " bytes" : ""));
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
            return new ParagraphResult(index, id, title, interpreter, Status.SKIPPED, List.of(), false, 0);
        }
        long started = System.nanoTime();
        switch (interpreter) {
            case "md":
            case "markdown":
                return new ParagraphResult(index, id, title, interpreter, Status.SKIPPED, List.of(), false, 0);
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
                return result(index, id, title, interpreter, status, out, started);
            }
            case "sql":
            case "spark.sql":
                try {
                    String table = table(spark.sql(code.strip().replaceAll(";\\s*$", "")), 1000);
                    return result(index, id, title, interpreter, Status.FINISHED, "%table " + table, started);
                } catch (RuntimeException e) {
                    return result(index, id, title, interpreter, Status.ERROR, stackTrace(e), started);
                }
            default:
                return new ParagraphResult(index, id, title, interpreter, Status.ERROR,
                        List.of(new Message("TEXT", "error: interpreter %" + interpreter
                                + " is not supported by NoteRunner (only %spark, %sql and %md)\n")), false, 0);
        }
    }

    private ParagraphResult result(int index, String id, String title, String interpreter, Status status,
            String output, long started) {
        Output parsed = zeppelinOutput(output, outputLimit);
        return new ParagraphResult(index, id, title, interpreter, status, parsed.messages(), parsed.truncated(),
                (System.nanoTime() - started) / 1e9);
    }

    private static ParagraphResult notRun(int index, ObjectNode p) {
        String[] split = splitInterpreter(p.path("text").asText(""));
        return new ParagraphResult(index, p.path("id").asText(""), p.path("title").asText(""), split[0],
                Status.READY, List.of(), false, 0);
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

    /** A paragraph's output as Zeppelin keeps it: its result messages, and whether it was truncated. */
    record Output(List<Message> messages, boolean truncated) {
    }

    /** Zeppelin's {@link InterpreterOutput#LIMIT} is static: one parse at a time. */
    private static final Object ZEPPELIN_OUTPUT_LOCK = new Object();

    /**
     * Splits output into result messages with Zeppelin's own {@link InterpreterOutput}, as Zeppelin's Spark
     * interpreter does with what a paragraph prints: a line starting with {@code %html}, {@code %table},
     * {@code %text}... starts a message of that type; a {@code TEXT} or {@code TABLE} message passing
     * {@code limit} bytes is cut at the next line end and followed by Zeppelin's "Output is truncated"
     * {@code HTML} message. Blank messages are dropped (as Zeppelin's interpreter server does) and message text
     * is trimmed of surrounding blank lines, with one final newline.
     */
    static Output zeppelinOutput(String output, int limit) {
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        List<Message> out = new ArrayList<>();
        boolean truncated = false;
        synchronized (ZEPPELIN_OUTPUT_LOCK) {
            int old = InterpreterOutput.LIMIT;
            InterpreterOutput.LIMIT = limit;
            String cut = ResultMessages.getExceedsLimitSizeMessage(limit, "ZEPPELIN_INTERPRETER_OUTPUT_LIMIT")
                    .getData();
            try (InterpreterOutput zeppelin = new InterpreterOutput()) {
                zeppelin.write(bytes);
                zeppelin.flush();
                for (int i = 0; i < zeppelin.size(); i++) {
                    InterpreterResultMessageOutput m = zeppelin.getOutputAt(i);
                    String data = new String(m.toByteArray(), StandardCharsets.UTF_8);
                    InterpreterResult.Type type = m.getType();
                    if (type == InterpreterResult.Type.HTML && data.equals(cut)) {
                        truncated = true;
                    }
                    data = type == InterpreterResult.Type.TEXT ? data.strip() : data.stripTrailing();
                    if (!data.isEmpty()) {
                        out.add(new Message(type.name(), data + "\n"));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("parsing paragraph output in memory", e);
            } finally {
                InterpreterOutput.LIMIT = old;
            }
        }
        return new Output(out, truncated);
    }

    /** {@link #zeppelinOutput} at Zeppelin's default limit: the result messages only. */
    static List<Message> messages(String output) {
        return zeppelinOutput(output, ZEPPELIN_OUTPUT_LIMIT).messages();
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
        return ScalaInterpreters.create(settings, capture.repl);
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
        int limit = ZEPPELIN_OUTPUT_LIMIT;
        List<Path> notes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--master") || a.equals("--conf") || a.equals("--out") || a.equals("--output-limit"))
                    && i + 1 >= args.length) {
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
                case "--output-limit":
                    try {
                        limit = Integer.parseInt(args[++i]);
                    } catch (NumberFormatException e) {
                        limit = 0;
                    }
                    if (limit <= 0) {
                        usage("--output-limit expects a positive number of bytes, got '" + args[i] + "'");
                    }
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
        NoteRunner runner = new NoteRunner(conf, System.err, limit);
        boolean ok = true;
        List<String> summary = new ArrayList<>();
        for (Path note : notes) {
            NoteResult r = runner.run(note);
            ok &= r.ok();
            long done = r.paragraphs().stream().filter(p -> p.status() == Status.FINISHED).count();
            ParagraphResult err = r.firstError();
            String cut = r.paragraphs().stream().filter(ParagraphResult::truncated).map(ParagraphResult::label)
                    .collect(java.util.stream.Collectors.joining(", "));
            summary.add(String.format(Locale.ROOT, "%s: %s, %d paragraphs finished in %.1f s%s%s", note,
                    r.ok() ? "OK" : "FAILED", done, r.seconds(), err == null ? "" : "; failed: " + err.label(),
                    cut.isEmpty() ? "" : "; output truncated by Zeppelin's limit of " + limit + " bytes: " + cut));
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
        System.err.println("usage: NoteRunner [--master URL] [--conf key=value]... [--output-limit BYTES] [--out DIR]"
                + " note.zpln...");
        System.exit(problem == null ? 0 : 2);
    }
}
