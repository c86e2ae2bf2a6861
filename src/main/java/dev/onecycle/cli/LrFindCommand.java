package dev.onecycle.cli;

import dev.onecycle.settings.Settings;
import dev.onecycle.job.TrainingJobSettings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code onecycle lr-find}: the learning-rate range test (fastai's {@code lr_find}) on Spark, with the workers,
 * per-worker batch, averaging frequency, seed, data and model of the training it is for. It takes every
 * {@code train} flag (the same declarations, mixed in), so a training's command line with {@code lr-find} in
 * place of {@code train} tests the learning rate for that training; the cycle's own flags ({@code --lr-max},
 * {@code --tot-epochs}, checkpoints) are checked and not used. Writes lr-find.csv, lr-find-suggestions.csv and
 * lr-find.png to the run folder and prints the suggestions; exit codes as {@code train}.
 */
@Command(name = "lr-find", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = SettingOptions.Train.class,
        description = {"Learning-rate range test on Spark (fastai's lr_find): train a copy of the model for up to "
                + "--num-it iterations with the learning rate growing exponentially from --start-lr to --end-lr, "
                + "and suggest an lr-max from the smoothed loss (steep, minimum/10, valley; --lr-max auto takes "
                + "minimum/10). Takes train's flags: use the ones of the training the learning rate is for."},
        footer = {"", "Examples:",
            "  onecycle lr-find --workers 2 --batch-size 32 --run-dir runs/lr   # then: train --lr-max <suggestion>",
            "  onecycle lr-find --end-lr 1 --num-it 200 --no-stop-div"})
public final class LrFindCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** train's {@code --master} and {@code --properties-file}, and its way of running a job; the flags of the
     * settings come from the same declarations ({@code modelTransformer}). */
    @Mixin
    TrainCommand train;

    @Override
    public Integer call() throws Exception {
        TrainingJobSettings settings = train.settings(spec);
        if (settings.resume()) {
            throw new CliErrors.UsageException(Settings.RESUME.flag(), "lr-find writes no checkpoints to resume "
                    + "from; drop it (a range test is short and seeded: run it again)");
        }
        // no checkpoints, so no checkpoint folder is opened or locked; lrMax is what the test finds
        return train.execute(settings.forRangeTest(), spec.commandLine(), (job, sc, prepared) -> job.findLr(sc, prepared));
    }
}
