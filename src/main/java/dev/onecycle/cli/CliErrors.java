package dev.onecycle.cli;

import dev.onecycle.gpu.GpuBindingException;
import dev.onecycle.run.RunInputException;
import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.spark.TrainingDivergedException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every failure into one line on stderr, {@code onecycle: <flag>: <what is wrong>}, and an exit code:
 * {@link Main#EXIT_USAGE} for a bad flag, value or setting, {@link Main#EXIT_FAILURE} otherwise. Never a stack
 * trace.
 */
final class CliErrors {
    static final String PREFIX = "onecycle: ";

    /**
     * The command-line flag of each parameter a library names in an {@link InvalidParameterException}: the
     * declared settings' flags (and their aliases, {@link SettingOptions#flagsOfParameters}), and
     * {@code onecycle schedule}'s own {@code --iters-per-epoch}.
     */
    static final Map<String, String> FLAG_OF_PARAMETER = flagOfParameter();

    private static Map<String, String> flagOfParameter() {
        Map<String, String> m = new java.util.LinkedHashMap<>(SettingOptions.flagsOfParameters());
        m.put("itersPerEpoch", "--iters-per-epoch");
        m.put("totalIterations", "--iters-per-epoch");
        return java.util.Collections.unmodifiableMap(m);
    }

    private CliErrors() {
    }

    /** A bad flag or value found while running a command (for example an unusable {@code --plot} path). */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String flag;

        UsageException(String flag, String message) {
            super(message);
            this.flag = flag;
        }

        String flag() {
            return flag;
        }
    }

    /** A failure while running a command, already phrased for the user. */
    static final class FailureException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FailureException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static int handleParameterException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String help = " (see " + cl.getCommandSpec().qualifiedName() + " --help)";
        String line;
        if (ex instanceof UnmatchedArgumentException) {
            List<String> unmatched = ((UnmatchedArgumentException) ex).getUnmatched();
            String first = unmatched.isEmpty() ? "?" : unmatched.get(0);
            if (first.startsWith("-")) {
                line = "unknown option '" + first + "'" + help;
            } else if (!cl.getSubcommands().isEmpty()) {
                line = "unknown command '" + first + "', expected one of "
                        + String.join(", ", cl.getSubcommands().keySet()) + help;
            } else {
                line = "unexpected argument '" + first + "'" + help;
            }
        } else if (ex instanceof MissingParameterException && ex.getMessage().startsWith("Missing required parameter")
                && ((MissingParameterException) ex).getMissing().size() == 1) {
            ArgSpec option = ((MissingParameterException) ex).getMissing().get(0);
            line = nameOf(option) + ": missing value (" + option.paramLabel() + ")";
        } else if (ex instanceof OverwrittenOptionException) {
            line = nameOf(((OverwrittenOptionException) ex).getOverwritten()) + ": given more than once";
        } else if (ex instanceof MissingParameterException) {
            List<ArgSpec> missing = ((MissingParameterException) ex).getMissing();
            String names = missing.stream().map(CliErrors::nameOf).collect(Collectors.joining(", "));
            line = (missing.size() == 1 ? "missing required option " : "missing required options ") + names
                    + help;
        } else if (ex.getArgSpec() instanceof OptionSpec) {
            String flag = nameOf(ex.getArgSpec());
            Throwable cause = ex.getCause();
            String detail = cause instanceof TypeConversionException ? cause.getMessage()
                    : stripPicocliPrefix(ex.getMessage());
            line = flag + ": " + detail;
        } else {
            line = ex.getMessage() + help;
        }
        printLine(cl, line);
        return Main.EXIT_USAGE;
    }

    static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        if (ex instanceof InvalidParameterException) {
            InvalidParameterException ipe = (InvalidParameterException) ex;
            String flag = FLAG_OF_PARAMETER.get(ipe.parameter());
            printLine(cl, (flag == null ? "" : flag + ": ") + ipe.getMessage());
            return Main.EXIT_USAGE;
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof TrainingDivergedException d) {
                printLine(cl, d.messageNaming(FLAG_OF_PARAMETER.get(TrainingDivergedException.PARAMETER)));
                return Main.EXIT_FAILURE;
            }
        }
        String gpu = gpuRefusal(ex);
        if (gpu != null) { // an executor's task refused its GPU: that line, not Spark's stage failure around it
            printLine(cl, gpu);
            return Main.EXIT_FAILURE;
        }
        if (ex instanceof RunInputException) {
            printLine(cl, ex.getMessage());
            return Main.EXIT_USAGE;
        }
        if (ex instanceof UsageException) {
            printLine(cl, ((UsageException) ex).flag() + ": " + ex.getMessage());
            return Main.EXIT_USAGE;
        }
        if (ex instanceof FailureException) {
            Throwable cause = ex.getCause();
            printLine(cl, ex.getMessage() + (cause == null ? "" : ": " + describe(cause)));
            return Main.EXIT_FAILURE;
        }
        printLine(cl, describe(ex));
        return Main.EXIT_FAILURE;
    }

    private static final String GPU_REFUSAL = GpuBindingException.class.getName() + ": ";

    /**
     * The message of a {@link GpuBindingException} a task threw (an unusable or unsupported GPU),
     * from the failure's causes or, where Spark kept only the task's text, from its message; null when none.
     */
    static String gpuRefusal(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof GpuBindingException) {
                return t.getMessage();
            }
            String m = t.getMessage();
            int at = m == null ? -1 : m.indexOf(GPU_REFUSAL);
            if (at >= 0) {
                return m.substring(at + GPU_REFUSAL.length()).split("\\R", 2)[0].strip();
            }
        }
        return null;
    }

    /** {@code message} or, without one, the exception's class name. */
    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static String nameOf(ArgSpec spec) {
        if (spec instanceof OptionSpec) {
            return ((OptionSpec) spec).longestName();
        }
        return spec.paramLabel();
    }

    /** picocli's "Invalid value for option '--x': detail" without the part the line already says. */
    private static String stripPicocliPrefix(String message) {
        int i = message.indexOf("': ");
        return message.startsWith("Invalid value for") && i >= 0 ? message.substring(i + 3) : message;
    }

    private static void printLine(CommandLine cl, String line) {
        cl.getErr().println(PREFIX + line.replaceAll("\\R", " ").strip());
        cl.getErr().flush();
    }
}
