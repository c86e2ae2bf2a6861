package dev.onecycle.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code onecycle} command: a thin dispatcher to its subcommands. Exit codes: {@link #EXIT_OK},
 * {@link #EXIT_USAGE} for a bad flag, value or setting, {@link #EXIT_FAILURE} for a failure while running,
 * {@link #EXIT_STOPPED_AT_CHECKPOINT} when {@code train} stopped on SIGTERM/SIGINT at a checkpoint it wrote,
 * {@link #EXIT_FENCED} when it lost its checkpoint lock to another job.
 * Every error is one line on stderr, prefixed {@code onecycle: } (see {@link CliErrors}).
 */
@Command(name = "onecycle", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "An exact, divisible 1cycle learning-rate schedule for Deeplearning4j on Spark.",
        subcommands = {TrainCommand.class, LrFindCommand.class, ScheduleCommand.class, InspectCommand.class, GpuCheckCommand.class,
            StudyCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    /**
     * {@code train} stopped gracefully (SIGTERM, Ctrl-C) and wrote a checkpoint of where it stopped: {@code
     * --resume} loses nothing. 75 is sysexits' EX_TEMPFAIL ("try again later"); a restart policy retries on it.
     */
    public static final int EXIT_STOPPED_AT_CHECKPOINT = 75;
    /**
     * {@code train} was fenced: its checkpoint lock was taken over while it did not run (paused past the lock's
     * stale time), so another job owns the checkpoint and run folders; it stopped before writing anything more.
     * 77 is sysexits' EX_NOPERM: do not restart it, the other job continues the run.
     */
    public static final int EXIT_FENCED = 77;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = run(args, System.out, System.err);
        if (code == EXIT_OK && inYarnApplicationMaster()) {
            // Spark's ApplicationMaster reports success only when main returns: System.exit there, even with 0,
            // fails the attempt ("Shutdown hook called before final status was reported") and YARN starts another.
            return;
        }
        System.exit(code);
    }

    /** A YARN cluster-mode driver: Spark's ApplicationMaster sets these before it calls main. */
    static boolean inYarnApplicationMaster() {
        return "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"))
                && System.getProperty("spark.yarn.app.id") != null;
    }

    /** Runs {@code onecycle args} writing to {@code out} and {@code err}; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter outWriter = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter errWriter = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        try {
            CommandLine cl = commandLine(outWriter, errWriter);
            if (args.length > 0 && (args[0].equals("train") || args[0].equals("lr-find"))) {
                CommandLine train = cl.getSubcommands().get(args[0]);
                try {
                    train.setDefaultValueProvider(OnecycleProperties.load(train.getCommandSpec(),
                            valueOf(args, "--properties-file")));
                } catch (CliErrors.UsageException e) {
                    errWriter.println(CliErrors.PREFIX + e.flag() + ": " + e.getMessage());
                    return EXIT_USAGE;
                }
            }
            return cl.execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    /** The value of {@code flag} in {@code args} ({@code --flag value} or {@code --flag=value}), or null. */
    static String valueOf(String[] args, String flag) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(flag) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(flag + "=")) {
                return args[i].substring(flag.length() + 1);
            }
        }
        return null;
    }

    /** The configured command line; new subcommands are added to the {@code subcommands} list above. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(CliErrors::handleParameterException);
        cl.setExecutionExceptionHandler(CliErrors::handleExecutionException);
        return cl;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** The version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"onecycle " + (v == null ? "(development build)" : v)};
        }
    }
}
