package dev.onecycle.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and Ctrl-C (SIGINT) while {@code onecycle train} runs: instead of the JVM's default (shutdown hooks
 * racing the training thread, which then fails on a stopped SparkContext), the first signal asks the job to stop
 * ({@code onStop}) and lets the main thread end it cleanly; a second signal, or no exit within
 * {@link #GRACE_SECONDS}, exits at once. {@link #close()} restores the previous handlers.
 */
final class StopSignals implements AutoCloseable {
    static final int GRACE_SECONDS = 60;

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final PrintWriter err;
    private volatile String received;
    /** Exits the JVM if the job has not stopped GRACE_SECONDS after the signal; stopped by {@link #close()}. */
    private volatile Thread watchdog;

    private StopSignals(PrintWriter err) {
        this.err = err;
    }

    /** Handles TERM and INT until {@link #close()}; {@code onStop} gets the signal's name (e.g. {@code TERM}). */
    static StopSignals install(Consumer<String> onStop, PrintWriter err) {
        StopSignals s = new StopSignals(err);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal sig = new Signal(name);
                s.previous.put(sig, Signal.handle(sig, signal -> s.handle(signal, onStop)));
            } catch (IllegalArgumentException unsupported) {
                // a platform without this signal (or one the JVM reserves): keep its default
            }
        }
        return s;
    }

    /** The exit code of a process ended by {@code signal}: 128 + its number (SIGTERM 143, SIGINT 130). */
    static int exitCode(String signal) {
        return switch (signal) {
            case "INT" -> 130;
            case "HUP" -> 129;
            default -> 143;
        };
    }

    private void handle(Signal signal, Consumer<String> onStop) {
        String name = signal.getName();
        if (received != null) {
            line("SIG" + name + " again: exiting now, without a clean stop");
            System.exit(exitCode(name));
        }
        received = name;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(GRACE_SECONDS * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            line("did not stop within " + GRACE_SECONDS + " s of SIG" + name + ": exiting now");
            System.exit(exitCode(name));
        }, "onecycle-stop-watchdog");
        watchdog.setDaemon(true);
        this.watchdog = watchdog;
        watchdog.start();
        try {
            onStop.accept(name);
        } catch (RuntimeException e) {
            // the job may not have started Spark yet; the main thread sees the request anyway
        }
    }

    private void line(String message) {
        synchronized (err) {
            err.println(CliErrors.PREFIX + message);
            err.flush();
        }
    }

    /**
     * Restores the previous handlers, and ends the watchdog of a signal received: the job it waited for has
     * stopped, and a JVM that goes on (onecycle study runs the next job in it) must not be exited later.
     */
    @Override
    public void close() {
        previous.forEach(Signal::handle);
        Thread w = watchdog;
        if (w != null) {
            w.interrupt();
        }
    }

    /** The watchdog of a signal received, or null (for tests). */
    Thread watchdog() {
        return watchdog;
    }
}
