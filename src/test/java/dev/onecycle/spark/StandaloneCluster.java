package dev.onecycle.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real Spark standalone cluster on this machine, started from the project's jars: one master on 127.0.0.1 and
 * workers on their own loopback addresses (127.0.0.2, 127.0.0.3, ...), each a separate JVM started by this
 * test, on free ports. Every process it or the scripts it runs start is tracked by PID; {@link #close()} kills
 * them all (also from a JVM shutdown hook), pass or fail.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path sparkHome;
    private final Path dir;
    private final List<Process> started = new ArrayList<>();
    private final Map<String, Process> workers = new LinkedHashMap<>();
    private final Map<String, Path> workDirs = new LinkedHashMap<>();
    private final List<String> endpoints = new ArrayList<>();
    private final Thread hook = new Thread(this::stopAll, "stop-standalone-cluster");
    private Process master;
    private int masterPort;
    private int masterUiPort;

    StandaloneCluster(Path sparkHome, Path dir) {
        this.sparkHome = sparkHome;
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    Path sparkHome() {
        return sparkHome;
    }

    static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    /** The environment every cluster process and every submission gets. */
    Map<String, String> environment(String localIp) {
        return Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION",
                scala.util.Properties.versionNumberString().replaceAll("^(\\d+\\.\\d+).*", "$1"), "SPARK_LOCAL_IP", localIp,
                "SPARK_CONF_DIR", dir.resolve("conf").toString());
    }

    private Process daemon(String name, String localIp, List<String> args, Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx256m", "-cp", sparkHome.resolve("jars") + "/*"));
        cmd.addAll(args);
        return start(cmd, localIp, dir.resolve(name + ".log"), env);
    }

    /** Starts a process with the cluster's environment; it is killed by {@link #close()}. */
    Process start(List<String> cmd, String localIp, Path log) throws IOException {
        return start(cmd, localIp, log, Map.of());
    }

    /** {@link #start(List, String, Path)} with {@code env} added to the cluster's environment. */
    synchronized Process start(List<String> cmd, String localIp, Path log, Map<String, String> env)
            throws IOException {
        Files.createDirectories(dir.resolve("conf"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).directory(dir.toFile());
        pb.environment().putAll(environment(localIp));
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    void startMaster() throws Exception {
        masterPort = freePort("127.0.0.1");
        masterUiPort = freePort("127.0.0.1");
        endpoints.add("127.0.0.1:" + masterPort);
        endpoints.add("127.0.0.1:" + masterUiPort);
        master = daemon("master", "127.0.0.1", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(masterUiPort)), Map.of());
        await(() -> state().isPresent(), Duration.ofSeconds(60), "the master's web UI on port " + masterUiPort);
    }

    /** A worker on its own loopback address, with 2 cores and 2 GB to hand out. */
    void startWorker(String host) throws Exception {
        startWorker(host, List.of(), Map.of());
    }

    /**
     * A worker with more arguments (e.g. {@code --properties-file} announcing GPUs) and environment (e.g. a
     * {@code PATH} with a fake {@code nvidia-smi} for the discovery script), which its executors inherit.
     */
    void startWorker(String host, List<String> extraArgs, Map<String, String> env) throws Exception {
        launchWorker(host, extraArgs, env);
        await(() -> aliveWorkers().contains(host), Duration.ofSeconds(60), "worker " + host + " to register");
    }

    /** Workers with 2 cores and 2 GB each, started at once, then awaited (a busy machine starts JVMs slowly). */
    void startWorkers(String... hosts) throws Exception {
        for (String host : hosts) {
            launchWorker(host, List.of(), Map.of());
        }
        for (String host : hosts) {
            await(() -> aliveWorkers().contains(host), Duration.ofSeconds(90), "worker " + host + " to register");
        }
    }

    private void launchWorker(String host, List<String> extraArgs, Map<String, String> env) throws Exception {
        Path work = dir.resolve("work-" + host);
        Files.createDirectories(work);
        int port = freePort(host);
        int uiPort = freePort(host);
        endpoints.add(host + ":" + port);
        endpoints.add(host + ":" + uiPort);
        List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.worker.Worker", "--host", host,
                "--port", String.valueOf(port), "--webui-port", String.valueOf(uiPort),
                "--cores", "2", "--memory", "2g", "--work-dir", work.toString()));
        args.addAll(extraArgs);
        args.add(masterUrl());
        Process p = daemon("worker-" + host, host, args, env);
        workers.put(host, p);
        workDirs.put(host, work);
    }

    Path workDir(String host) {
        return workDirs.get(host);
    }

    Process worker(String host) {
        return workers.get(host);
    }

    /** The master's /json/ page, or empty while it does not answer. */
    Optional<JsonNode> state() {
        try (InputStream in = URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL().openStream()) {
            return Optional.of(JSON.readTree(in));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    List<String> aliveWorkers() {
        List<String> hosts = new ArrayList<>();
        state().ifPresent(s -> s.path("workers").forEach(w -> {
            if ("ALIVE".equals(w.path("state").asText())) {
                hosts.add(w.path("host").asText());
            }
        }));
        return hosts;
    }

    /** SIGKILL a worker and everything it started (executors, drivers), as a machine failure would. */
    void killWorker(String host) throws Exception {
        killTree(workers.remove(host).toHandle());
    }

    /** The PIDs of the JVMs on the workers whose command line contains {@code marker} (e.g. DriverWrapper). */
    List<ProcessHandle> workerChildren(String marker) {
        List<ProcessHandle> found = new ArrayList<>();
        for (Process w : workers.values()) {
            w.toHandle().descendants().filter(p -> commandLine(p).contains(marker)).forEach(found::add);
        }
        return found;
    }

    static String commandLine(ProcessHandle p) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return p.info().commandLine().orElse("");
        }
    }

    /** Stops a process and its descendants with SIGKILL: first SIGSTOP so it cannot start new children. */
    static void killTree(ProcessHandle root) throws InterruptedException {
        if (!root.isAlive()) {
            return;
        }
        signal("STOP", root.pid());
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        root.destroyForcibly();
        for (ProcessHandle child : tree) {
            child.destroyForcibly();
        }
        for (ProcessHandle p : concat(root, tree)) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the caller's checks
            }
        }
    }

    private static List<ProcessHandle> concat(ProcessHandle root, List<ProcessHandle> tree) {
        List<ProcessHandle> all = new ArrayList<>(tree);
        all.add(0, root);
        return all;
    }

    private static void signal(String sig, long pid) throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // kill(1) missing: SIGKILL below still stops it
        }
    }

    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }

    /** Kills every process started here and all their descendants: master first, so it relaunches nothing. */
    private synchronized void stopAll() {
        try {
            if (master != null) {
                killTree(master.toHandle());
            }
            for (Process p : started) {
                killTree(p.toHandle());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What is still alive of what was started (should be nothing after close). */
    synchronized List<Long> alive() {
        List<Long> pids = new ArrayList<>();
        for (Process p : started) {
            if (p.isAlive()) {
                pids.add(p.pid());
            }
            p.toHandle().descendants().forEach(d -> pids.add(d.pid()));
        }
        return pids;
    }

    /** host:port of every daemon's RPC and web UI port (to check nothing listens there any more). */
    synchronized List<String> endpoints() {
        return List.copyOf(endpoints);
    }

    /** Processes on this machine whose command line mentions {@code text} (orphans included). */
    static List<String> processesMentioning(String text) {
        long me = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses().filter(p -> p.pid() != me && commandLine(p).contains(text))
                .map(p -> p.pid() + ": " + commandLine(p)).toList();
    }

    String logs(String name) throws IOException {
        File f = dir.resolve(name).toFile();
        return f.exists() ? Files.readString(f.toPath()) : "";
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running already
        }
    }
}
