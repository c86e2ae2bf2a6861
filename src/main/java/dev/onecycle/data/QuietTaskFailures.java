package dev.onecycle.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * While Spark reads a data set, a bad file fails a task, and Spark's scheduler and executor log that failure with
 * its stack trace before the job fails; the reader then reports the same cause as one line naming the file. This
 * mutes those loggers (log4j 2, as Spark 3.5 ships) for the read only; where log4j-core is absent it does nothing.
 */
final class QuietTaskFailures implements AutoCloseable {
    private static final String[] LOGGERS = {"org.apache.spark.executor.Executor",
        "org.apache.spark.scheduler.TaskSetManager", "org.apache.spark.scheduler.TaskSchedulerImpl"};

    private final Map<String, Object> before;

    private QuietTaskFailures(Map<String, Object> before) {
        this.before = before;
    }

    static QuietTaskFailures mute() {
        Map<String, Object> before = new LinkedHashMap<>();
        try {
            for (String name : LOGGERS) {
                before.put(name, org.apache.logging.log4j.LogManager.getLogger(name).getLevel());
                org.apache.logging.log4j.core.config.Configurator.setLevel(name, org.apache.logging.log4j.Level.OFF);
            }
        } catch (LinkageError | RuntimeException noLog4jCore) {
            // another logging backend: leave it as configured
        }
        return new QuietTaskFailures(before);
    }

    @Override
    public void close() {
        try {
            for (Map.Entry<String, Object> e : before.entrySet()) {
                org.apache.logging.log4j.core.config.Configurator.setLevel(e.getKey(),
                        (org.apache.logging.log4j.Level) e.getValue());
            }
        } catch (LinkageError | RuntimeException noLog4jCore) {
            // as in mute()
        }
    }
}
