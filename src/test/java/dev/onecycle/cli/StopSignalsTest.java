package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;

/**
 * A job that stopped on a signal closes its {@link StopSignals}: the watchdog that would exit the JVM after the
 * grace time ends with it, so a JVM that goes on (the study runs the next job in it) is not exited a minute later.
 */
class StopSignalsTest {
    @Test
    void closingAfterASignalEndsTheWatchdogThatWouldExitTheJvm() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<String> signal = new AtomicReference<>();
        Thread watchdog;
        // SIGTERM to this JVM: handled by the StopSignals below (the JVM's own handler is back after close)
        try (StopSignals s = StopSignals.install(name -> {
            signal.set(name);
            stopped.countDown();
        }, new PrintWriter(new StringWriter()))) {
            Signal.raise(new Signal("TERM"));
            assertTrue(stopped.await(10, TimeUnit.SECONDS), "the handler ran");
            watchdog = s.watchdog();
            assertNotNull(watchdog);
            assertTrue(watchdog.isAlive(), "the watchdog waits for the job to stop");
        }
        watchdog.join(5000);
        assertFalse(watchdog.isAlive(), "closed: the watchdog ended without exiting");
        assertEquals("TERM", signal.get());
    }
}
