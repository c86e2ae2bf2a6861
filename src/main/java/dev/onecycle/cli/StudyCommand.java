package dev.onecycle.cli;

import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import dev.onecycle.study.StudyPlan;
import dev.onecycle.study.StudyReport;
import dev.onecycle.study.StudyRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code onecycle study}: the divided-1cycle study at the seed's scale. For each seed, the four policies of the
 * same E-epoch budget — (1) one cycle, (2) two cycles of E/2 with the second peak at lrMax / 4, (3) four cycles of
 * E/4 at the same peak, (4) policy 1 as several {@code train} jobs resumed from their checkpoints, the last one
 * stopped by SIGTERM and resumed — each job run by this CLI's own {@code train} (in this JVM). Resumable (run the
 * same command again), with a progress line per epoch; ends with the report ({@code report.md}, CSVs, PNGs).
 */
@Command(name = "study", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = SettingOptions.Study.class,
        description = {"The divided-1cycle study: one E-epoch cycle vs two cycles (2nd peak lrMax/4) vs four cycles, "
                + "and the one cycle run in pieces (checked bitwise equal), over several seeds, with a report.",
            "Run the same command again to continue a stopped or killed study; finished runs are kept."},
        footer = {"", "Examples:",
            "  onecycle study --out study/mlp --epochs 40 --seeds 3",
            "  onecycle study --out study/lenet --network lenet --seeds 2",
            "  onecycle study --out study/mlp --seeds 3 --report-only    # report the runs done so far"})
public final class StudyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "The study's folder: runs, logs, checkpoints and the report. Give the same to continue.")
    Path out;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "40",
            description = "The budget of every policy, in epochs (even; default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "3",
            description = "Seeds 1..N, each run by every policy (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--policies", paramLabel = "LIST", split = ",", defaultValue = "1,2,3,4",
            description = "Policies to run (default: ${DEFAULT-VALUE}; 4 needs 1).")
    List<Integer> policies;

    @Option(names = "--second-peak-divisor", paramLabel = "D", defaultValue = "4",
            description = "Policy 2's second cycle peaks at lr-max / D (default: ${DEFAULT-VALUE}).")
    double secondPeakDivisor;

    @Option(names = "--cycles", paramLabel = "C", defaultValue = "4",
            description = "Policy 3's number of cycles, dividing E (default: ${DEFAULT-VALUE}).")
    int cycles;

    @Option(names = "--pieces", paramLabel = "LIST", split = ",",
            description = "Policy 4's jobs in epochs, summing to E (default: the seed's 9,13,18 at E = 40, scaled).")
    List<Integer> pieces;

    @Option(names = "--workers", paramLabel = "W", defaultValue = "2",
            description = "Spark workers of every job (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--max-examples", paramLabel = "N", defaultValue = "0",
            description = "Train on the first N training examples (default: all; the test set is always whole).")
    int maxExamples;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data folder (train's --data; default: Fashion-MNIST as train finds it).")
    String data;

    @Option(names = "--hidden", paramLabel = "UNITS", defaultValue = "0",
            description = "The MLP's hidden units (default: train's).")
    int hidden;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master of every job (default: local[W]).")
    String master;

    @Option(names = "--report-only", description = "Write the report of the runs done so far, train nothing.")
    boolean reportOnly;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        StudyPlan plan;
        StudyRunner runner;
        try {
            if (seeds < 1) {
                throw new StudyPlan.InvalidStudyException("--seeds", "must be >= 1 (seeds 1..N), got " + seeds);
            }
            SettingValues shared = SettingOptions.values(spec, SettingOptions.Study.SETTINGS); // train's own flags
            String network = shared.get(Settings.NETWORK).id();
            double lrMax = shared.get(Settings.LR_MAX);
            plan = new StudyPlan(network, epochs, LongStream.rangeClosed(1, seeds).boxed().toList(), policies, lrMax,
                    secondPeakDivisor, cycles, pieces, workers, maxExamples, data, hidden);
            List<String> extra = new ArrayList<>(List.of("--master", master != null ? master
                    : "local[" + workers + "]"));
            runner = new StudyRunner(plan, out, (args, o, e) -> Main.run(args.toArray(String[]::new), o, e), console,
                    extra);
            runner.checkFolder(!reportOnly);
        } catch (StudyPlan.InvalidStudyException e) {
            throw new CliErrors.UsageException(e.flag(), e.getMessage());
        }
        int code = Main.EXIT_OK;
        if (!reportOnly) {
            try {
                runner.run();
            } catch (StudyRunner.StudyStoppedException e) {
                spec.commandLine().getErr().println(CliErrors.PREFIX + e.getMessage());
                spec.commandLine().getErr().flush();
                code = e.signalled() ? Main.EXIT_STOPPED_AT_CHECKPOINT : Main.EXIT_FAILURE;
            }
        }
        List<String> conclusion = new StudyReport(plan, out).write();
        console.println("study: report " + out.resolve("report.md") + " (summary.csv, paired.csv, runs.csv, curves.csv, "
                + (plan.policies().contains(4) ? "bitwise.csv, " : "") + "PNGs)");
        conclusion.forEach(l -> console.println("study: " + l));
        console.flush();
        return code;
    }
}
