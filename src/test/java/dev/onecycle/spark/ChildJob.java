package dev.onecycle.spark;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code onecycle train} in a child JVM (the same classpath and Java 17 flags as this one), so a test can kill
 * it with SIGKILL like a real driver dies. {@link #close()} kills it by PID whatever happened.
 */
public final class ChildJob implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildJob(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ChildJob start(Path log, List<String> jvmProperties, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(trainCommand(jvmProperties, List.of(args))).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.directory(new File(System.getProperty("user.dir")));
        return new ChildJob(pb.start(), log);
    }

    /** Any {@code main} class of the classpath in a child JVM (same flags as {@link #start}). */
    public static ChildJob startMain(Path log, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(trainCommand(List.of(), List.of(args)));
        int main = cmd.indexOf("dev.onecycle.cli.Main");
        cmd.set(main, mainClass);
        cmd.remove(main + 1); // "train"
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.directory(new File(System.getProperty("user.dir")));
        return new ChildJob(pb.start(), log);
    }

    /**
     * {@code java <this JVM's Java 17 flags> -Xmx2g <jvmProperties> -cp <this classpath> dev.onecycle.cli.Main train
     * <args>}: the command of a child driver (also used by the benchmarks).
     */
    public static List<String> trainCommand(List<String> jvmProperties, List<String> args) {
        List<String> cmd = new ArrayList<>(sigintReset());
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java17Flags());
        cmd.add("-Xmx2g");
        cmd.addAll(jvmProperties);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.onecycle.cli.Main");
        cmd.add("train");
        cmd.addAll(args);
        return cmd;
    }

    /**
     * A child inherits ignored signals, and a build started in the background by a shell without job control
     * ({@code mvn verify &} in a script, {@code nohup}) ignores SIGINT: the child driver could then not be stopped
     * with it, as a user's Ctrl-C stops the foreground one. {@code env --default-signal=INT} (GNU coreutils)
     * gives the child SIGINT's default back when this JVM ignores it; nothing otherwise.
     */
    private static List<String> sigintReset() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:") && (Long.parseLong(line.substring(7).trim(), 16) & 0x2) != 0) {
                    return List.of("env", "--default-signal=INT");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: nothing to reset
        }
        return List.of();
    }

    /** This JVM's Java 17 flags ({@code --add-opens ...}, as Spark's JavaModuleOptions), for a child JVM. */
    static List<String> java17Flags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
                    || a.startsWith("-Djdk.reflect")) {
                flags.add(a);
            }
        }
        return flags;
    }

    public long pid() {
        return process.pid();
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Waits until the output or the file system satisfies {@code condition}; fails if the job ends first. */
    public void awaitOutput(Predicate<String> condition, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.test(output())) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the job ended (exit " + process.exitValue() + ") before the awaited point:\n"
                        + output());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting; output so far:\n" + output());
    }

    /** SIGKILL, as a node failure or the OOM killer would. */
    public void kill() throws InterruptedException {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public int await(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("the job did not finish in " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
