package dev.onecycle.cli;

import dev.onecycle.plot.SchedulePlot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;
import dev.onecycle.settings.SettingValues;
import dev.onecycle.settings.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code onecycle schedule}: the learning rate and momentum of every step of a slice of a 1cycle schedule, as
 * CSV on stdout ({@code iteration,epoch,lr,momentum}, doubles in full precision), and optionally a PNG of the
 * whole cycle with the slice highlighted. Everything is checked before anything is written: on a bad setting
 * stdout stays empty and no file is touched.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = SettingOptions.Schedule.class,
        description = {"Print the learning rate and momentum of each step of epochs "
                + "[start-epoch, start-epoch + epochs) of a 1cycle schedule of tot-epochs epochs, as CSV: "
                + "iteration,epoch,lr,momentum (iteration = step of the whole cycle)."},
        footer = {"", "Example: onecycle schedule --lr-max 0.01 --tot-epochs 20 --iters-per-epoch 50 "
                + "--start-epoch 8 --epochs 7 --plot slice.png"})
public final class ScheduleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--iters-per-epoch", required = true, paramLabel = "M",
            converter = Converters.WholeNumber.class, description = "Minibatch steps per epoch.")
    int itersPerEpoch;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Also draw the whole cycle with this slice highlighted to FILE.png.")
    String plot;

    @Override
    public Integer call() throws IOException {
        OneCyclePolicy policy = policy();
        CycleSlice slice = slice();
        OneCycleSchedule schedule = policy.schedule(slice);
        if (plot != null) {
            Path target = PngFiles.checkTarget("--plot", plot);
            byte[] png = SchedulePlot.png(schedule, slice);
            try {
                PngFiles.writeAtomically(target, png);
            } catch (IOException e) {
                throw new CliErrors.FailureException("--plot: could not write '" + plot + "'", e);
            }
        }
        writeCsv(spec.commandLine().getOut(), schedule, slice);
        return Main.EXIT_OK;
    }

    OneCyclePolicy policy() {
        return Settings.policy(values());
    }

    CycleSlice slice() {
        // Without --epochs the slice is the rest of the cycle. When start-epoch is at or past the end that is
        // no epochs at all: ask for one so the builder reports the real mistake, start-epoch >= tot-epochs.
        SettingValues v = values();
        return CycleSlice.builder().optTotEpochs(v.get(Settings.TOT_EPOCHS)).optStartEpoch(v.get(Settings.START_EPOCH))
                .setEpochs(Settings.epochs(v)).setItersPerEpoch(itersPerEpoch).build();
    }

    private SettingValues values() {
        return SettingOptions.values(spec, SettingOptions.Schedule.SETTINGS);
    }

    /** The CSV header, then one row per step of the slice. */
    static void writeCsv(PrintWriter out, OneCycleSchedule schedule, CycleSlice slice) {
        StringBuilder buf = new StringBuilder(1 << 16);
        buf.append("iteration,epoch,lr,momentum\n");
        long m = slice.itersPerEpoch();
        for (long i = slice.firstIteration(); i < slice.endIteration(); i++) {
            buf.append(i).append(',').append(i / m).append(',').append(Double.toString(schedule.lr(i))).append(',')
                    .append(Double.toString(schedule.momentum(i))).append('\n');
            if (buf.length() > 60_000) {
                out.write(buf.toString());
                buf.setLength(0);
            }
        }
        out.write(buf.toString());
        out.flush();
    }
}
