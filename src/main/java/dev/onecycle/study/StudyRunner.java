package dev.onecycle.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onecycle.study.StudyPlan.StudyRun;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs a study: every (seed, policy) run's {@code onecycle train} jobs, in order, through {@link TrainLauncher}
 * (the CLI's own {@code train}), each job with {@code --resume} and its own checkpoint folder. Resumable: a run
 * with its {@code run.json} is done and kept; a job with its {@code job-N.done} marker is done; a job stopped or
 * killed halfway continues from its newest checkpoint. Prints one progress line per epoch (run k of n, epoch,
 * ETA); each job's own output goes to {@code job-N.log} in its run folder.
 */
public final class StudyRunner {
    /** Exit code of {@code train} stopped gracefully at a checkpoint (Main.EXIT_STOPPED_AT_CHECKPOINT). */
    public static final int STOPPED_AT_CHECKPOINT = 75;
    private static final Pattern EPOCH_LINE = Pattern.compile("^epoch (\\d+)/(\\d+): test accuracy ([0-9.]+)");
    private static final Pattern CHECKPOINT = Pattern.compile("epoch-(\\d{4,})");

    /** Runs {@code onecycle train args}, printing to {@code out} and {@code err}; returns its exit code. */
    public interface TrainLauncher {
        int train(List<String> args, PrintStream out, PrintStream err);
    }

    /** The study stopped before its end (a signal, a failed job): the message says why and how to continue. */
    public static final class StudyStoppedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean signalled;

        StudyStoppedException(String message, boolean signalled) {
            super(message);
            this.signalled = signalled;
        }

        /** True when a signal (SIGTERM, Ctrl-C) stopped it: everything done is kept. */
        public boolean signalled() {
            return signalled;
        }
    }

    private final StudyPlan plan;
    private final Path out;
    private final TrainLauncher launcher;
    private final PrintWriter console;
    private final List<String> extraTrainArgs;
    private final ObjectMapper json = new ObjectMapper();
    /** Set while the study's own SIGTERM for a piece is in flight (told apart from a user's signal). */
    private volatile boolean ownStop;
    private volatile String userSignal;
    private long sessionStart;
    private int unitsAtStart = -1;
    private int unitsDone;
    private int unitsTotal;

    /**
     * @param extraTrainArgs arguments given to every train job (e.g. {@code --master local[2]})
     */
    public StudyRunner(StudyPlan plan, Path out, TrainLauncher launcher, PrintWriter console,
            List<String> extraTrainArgs) {
        this.plan = plan;
        this.out = out;
        this.launcher = launcher;
        this.console = console;
        this.extraTrainArgs = List.copyOf(extraTrainArgs);
    }

    /**
     * Checks {@code out} holds no other study (refused with a {@link StudyPlan.InvalidStudyException} on
     * {@code --out}, naming what differs); with {@code create}, an empty or new folder is claimed for it (the plan
     * recorded in {@code plan.txt}), else one without a study is refused too ({@code --report-only}).
     */
    public void checkFolder(boolean create) throws IOException {
        Path planFile = out.resolve("plan.txt");
        if (!create && !Files.exists(planFile)) {
            throw new StudyPlan.InvalidStudyException("--out", out + " holds no study (plan.txt): run the study first");
        }
        if (Files.exists(planFile)) {
            String before = Files.readString(planFile);
            if (!before.equals(plan.describe())) {
                throw new StudyPlan.InvalidStudyException("--out", out + " holds a study with other settings ("
                        + differences(before, plan.describe()) + "); give the same flags to continue it, or another "
                        + "--out");
            }
            return;
        }
        if (Files.isRegularFile(out)) {
            throw new StudyPlan.InvalidStudyException("--out", out + " is a file, not a folder");
        }
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new StudyPlan.InvalidStudyException("--out", out + " is not empty and holds no study "
                            + "(plan.txt): give an empty or new folder");
                }
            }
        }
        Files.createDirectories(out);
        writeAtomically(planFile, plan.describe());
    }

    private static String differences(String before, String now) {
        List<String> a = List.of(before.split("\n"));
        List<String> b = List.of(now.split("\n"));
        List<String> d = new ArrayList<>();
        for (String line : b) {
            if (!a.contains(line)) {
                String key = line.split("=", 2)[0];
                String was = a.stream().filter(l -> l.startsWith(key + "=")).findFirst().orElse(key + "=?");
                d.add(key + " " + was.split("=", 2)[1] + " there, " + line.split("=", 2)[1] + " now");
            }
        }
        return String.join("; ", d);
    }

    /** Runs what is not done yet; returns when every run is done. */
    public void run() throws IOException {
        List<StudyRun> runs = plan.runs();
        unitsTotal = runs.size() * plan.epochs();
        sessionStart = System.nanoTime();
        SignalHandler mine = signal -> {
            if (ownStop) {
                return; // our own stop landed between jobs: nothing to stop
            }
            if (userSignal != null) {
                line("SIG" + signal.getName() + " again: exiting now; run the same study command to continue");
                System.exit("INT".equals(signal.getName()) ? 130 : 143);
            }
            userSignal = signal.getName();
            line("SIG" + signal.getName() + ": the study stops before its next job (a second signal exits now)");
        };
        List<Signal> signals = new ArrayList<>();
        List<SignalHandler> previous = new ArrayList<>();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal s = new Signal(name);
                previous.add(Signal.handle(s, mine));
                signals.add(s);
            } catch (IllegalArgumentException unsupported) {
                // keep the default
            }
        }
        try {
            for (int k = 0; k < runs.size(); k++) {
                StudyRun r = runs.get(k);
                Path dir = out.resolve(r.folder());
                if (Files.exists(dir.resolve("run.json"))) {
                    unitsDone += plan.epochs();
                    line(String.format(Locale.ROOT, "run %d/%d %s seed %d: done earlier (kept)", k + 1, runs.size(),
                            r.policy().shortLabel(), r.seed()));
                    continue;
                }
                if (unitsAtStart < 0) {
                    unitsAtStart = unitsDone;
                }
                runOne(r, k + 1, runs.size(), dir);
                unitsDone += plan.epochs();
            }
        } finally {
            for (int i = 0; i < signals.size(); i++) {
                Signal.handle(signals.get(i), previous.get(i));
            }
        }
        line(String.format(Locale.ROOT, "all %d runs done in %s", runs.size(), out));
    }

    private void runOne(StudyRun r, int k, int n, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<StudyJob> jobs = r.jobs();
        String tag = String.format(Locale.ROOT, "run %d/%d %s seed %d", k, n, r.policy().shortLabel(), r.seed());
        line(tag + ": " + jobs.size() + " job" + (jobs.size() == 1 ? "" : "s") + " in " + dir);
        int epochsBefore = 0;
        for (int j = 0; j < jobs.size(); j++) {
            StudyJob job = jobs.get(j);
            Path marker = dir.resolve("job-" + (j + 1) + ".done");
            int offset = job.isPiece() ? 0 : epochsBefore;
            if (!Files.exists(marker)) {
                runJob(r, job, j, jobs, dir, marker, tag + " job " + (j + 1) + "/" + jobs.size() + " (" + job.name()
                        + ")", offset);
            }
            epochsBefore += job.epochs();
        }
        RunResults.assemble(r, dir, json);
        ObjectNode summary = (ObjectNode) json.readTree(dir.resolve("run.json").toFile());
        line(String.format(Locale.ROOT, "%s: done: test accuracy %.4f, train loss %.4f, %.0f s", tag,
                summary.get("final_test_accuracy").asDouble(), summary.get("final_train_loss").asDouble(),
                summary.get("wall_seconds").asDouble()));
    }

    private void runJob(StudyRun r, StudyJob job, int j, List<StudyJob> jobs, Path dir, Path marker, String tag,
            int offset) throws IOException {
        Path jobDir = dir.resolve(job.folder());
        Path checkpoints = jobDir.resolve("checkpoints");
        List<String> args = new ArrayList<>(List.of("train", "--workers", Integer.toString(plan.workers()),
                "--seed", Long.toString(r.seed()), "--lr-max", StudyPlan.format(job.lrMax()),
                "--tot-epochs", Integer.toString(job.totEpochs()), "--start-epoch", Integer.toString(job.startEpoch()),
                "--epochs", Integer.toString(job.epochs()), "--run-dir", jobDir.toString(),
                "--checkpoint-dir", checkpoints.toString(), "--resume"));
        if (job.fromPrevious()) {
            args.addAll(List.of("--model-in", dir.resolve(jobs.get(j - 1).folder()).resolve("model.zip").toString(),
                    "--new-cycle"));
        } else {
            args.addAll(List.of("--network", plan.network()));
            if (plan.hidden() > 0) {
                args.addAll(List.of("--hidden", Integer.toString(plan.hidden())));
            }
        }
        if (plan.maxExamples() > 0) {
            args.addAll(List.of("--max-examples", Integer.toString(plan.maxExamples())));
        }
        if (plan.data() != null) {
            args.addAll(List.of("--data", plan.data()));
        }
        args.addAll(extraTrainArgs);
        Path log = dir.resolve("job-" + (j + 1) + ".log");
        Path stops = dir.resolve("stops.csv");
        double wall = 0;
        for (int attempt = 1; ; attempt++) {
            if (userSignal != null) {
                throw stoppedBySignal();
            }
            boolean stopPlanned = job.stopAfterEpochs() > 0 && !Files.exists(stops);
            line(tag + (attempt == 1 ? ": onecycle " : ": again, onecycle ") + String.join(" ", args));
            StopWatcher watcher = stopPlanned ? new StopWatcher(checkpoints, job.startEpoch() + job.stopAfterEpochs())
                    : null;
            long t0 = System.nanoTime();
            int code;
            try (OutputStream file = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    PrintStream jobOut = new PrintStream(new ProgressFilter(file, tag, offset), true,
                            StandardCharsets.UTF_8);
                    PrintStream jobErr = new PrintStream(file, true, StandardCharsets.UTF_8)) {
                jobOut.println("---- " + java.time.Instant.now() + " onecycle " + String.join(" ", args));
                if (watcher != null) {
                    watcher.start();
                }
                code = launcher.train(args, jobOut, jobErr);
            } finally {
                if (watcher != null) {
                    watcher.finish();
                }
            }
            wall += (System.nanoTime() - t0) / 1e9;
            boolean ourStop = watcher != null && watcher.fired();
            if (ourStop && code != 0 && code != STOPPED_AT_CHECKPOINT && userSignal == null
                    && (code == 143 || code == 130)) { // it came before training started: nothing was written
                appendStop(stops, job, "SIGTERM before training started (exit " + code + "), nothing written");
                ownStop = false;
                continue;
            }
            if (code == 0) {
                writeAtomically(marker, String.format(Locale.ROOT, "%.3f%n", wall));
                if (ourStop) { // the signal came when the job was already ending: say so, honestly
                    appendStop(stops, job, "SIGTERM sent, but the job ended normally (exit 0)");
                }
                ownStop = false;
                return;
            }
            if (code == STOPPED_AT_CHECKPOINT && ourStop && userSignal == null) {
                String where = lastLine(log, "stopped by SIG");
                appendStop(stops, job, (where == null ? "stopped by SIGTERM (exit 75)" : where
                        .replaceFirst("^onecycle: ", "").replaceFirst(" in \\S+: run the same command.*$", ""))
                        + "; resumed with --resume");
                line(tag + ": stopped by the study's SIGTERM (exit 75), as planned; resuming from its checkpoint");
                ownStop = false;
                continue;
            }
            ownStop = false;
            if (code == STOPPED_AT_CHECKPOINT || userSignal != null || code == 130 || code == 143) {
                throw stoppedBySignal();
            }
            String why = lastLine(log, "onecycle:");
            throw new StudyStoppedException(tag + " failed (exit " + code + (why == null ? "" : ": " + why)
                    + "); see " + log + "; fix the cause and run the same study command to continue", false);
        }
    }

    private StudyStoppedException stoppedBySignal() {
        return new StudyStoppedException("stopped by SIG" + (userSignal == null ? "TERM" : userSignal) + "; every "
                + "finished run and checkpoint is kept: run the same study command to continue", true);
    }

    private void appendStop(Path stops, StudyJob job, String what) throws IOException {
        if (!Files.exists(stops)) {
            Files.writeString(stops, "job,ended\n");
        }
        Files.writeString(stops, "\"" + job.name() + "\",\"" + what.replace("\"", "'") + "\"\n",
                StandardOpenOption.APPEND);
    }

    private static String lastLine(Path log, String containing) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).contains(containing)) {
                    return lines.get(i).strip();
                }
            }
        } catch (IOException e) {
            // no log line, then
        }
        return null;
    }

    private void line(String message) {
        synchronized (console) {
            console.println("study: " + message);
            console.flush();
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Forwards a job's output to its log and prints the study's progress line after each epoch. */
    private final class ProgressFilter extends OutputStream {
        private final OutputStream file;
        private final String tag;
        private final int offset;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        ProgressFilter(OutputStream file, String tag, int offset) {
            this.file = file;
            this.tag = tag;
            this.offset = offset;
        }

        @Override
        public void write(int b) throws IOException {
            file.write(b);
            if (b == '\n') {
                onLine(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            } else {
                pending.write(b);
            }
        }

        @Override
        public void flush() throws IOException {
            file.flush();
        }

        private void onLine(String text) {
            Matcher m = EPOCH_LINE.matcher(text);
            if (!m.find()) {
                return;
            }
            int epochInRun = offset + Integer.parseInt(m.group(1));
            int done = unitsDone + epochInRun;
            int session = done - Math.max(0, unitsAtStart);
            double elapsed = (System.nanoTime() - sessionStart) / 1e9;
            String eta = session <= 0 ? "?" : duration(elapsed / session * (unitsTotal - done));
            line(String.format(Locale.ROOT, "%s: epoch %d/%d test accuracy %s | study %d/%d epochs (%.0f%%), ETA %s",
                    tag, epochInRun, plan.epochs(), m.group(3), done, unitsTotal, 100.0 * done / unitsTotal, eta));
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    /**
     * Sends this process SIGTERM once the checkpoint of {@code epoch} (epochs done) exists: {@code train}'s own
     * stop handler then stops the job at a checkpoint (exit 75), as a SIGTERM from outside would.
     */
    private final class StopWatcher extends Thread {
        private final Path checkpoints;
        private final int epoch;
        private volatile boolean done;
        private volatile boolean fired;

        /** Checkpoints there before this attempt: only one this attempt writes counts. */
        private final java.util.Set<String> before = new java.util.HashSet<>();

        StopWatcher(Path checkpoints, int epoch) {
            super("study-stop-watcher");
            setDaemon(true);
            this.checkpoints = checkpoints;
            this.epoch = epoch;
            File[] names = checkpoints.toFile().listFiles();
            for (File f : names == null ? new File[0] : names) {
                before.add(f.getName());
            }
        }

        @Override
        public void run() {
            while (!done) {
                if (reached()) {
                    ownStop = true;
                    fired = true;
                    Signal.raise(new Signal("TERM"));
                    return;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private boolean reached() {
            File[] names = checkpoints.toFile().listFiles();
            if (names == null) {
                return false;
            }
            for (File f : names) {
                Matcher m = CHECKPOINT.matcher(f.getName());
                if (m.matches() && Integer.parseInt(m.group(1)) >= epoch && !before.contains(f.getName())) {
                    return true;
                }
            }
            return false;
        }

        void finish() {
            done = true;
            interrupt();
            try {
                join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean fired() {
            return fired;
        }
    }
}
