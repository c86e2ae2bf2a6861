package dev.onecycle.cli;

import dev.onecycle.lrfind.LrRange;
import picocli.CommandLine.Option;

/** The range test's flags, shared by {@code lr-find} and {@code train --lr-max auto}; unset flags keep fastai's defaults. */
final class LrFindOptions {
    @Option(names = "--start-lr", paramLabel = "X", converter = Converters.Number.class,
            description = "Range test (lr-find, --lr-max auto): the first learning rate, > 0 (default: 1e-7).")
    Double startLr;

    @Option(names = "--end-lr", paramLabel = "X", converter = Converters.Number.class,
            description = "Range test: the last learning rate, > --start-lr (default: 10).")
    Double endLr;

    @Option(names = "--num-it", paramLabel = "N", converter = Converters.WholeNumber.class,
            description = "Range test: iterations of the sweep, >= 2 (default: 100).")
    Integer numIt;

    @Option(names = "--no-stop-div", description = "Range test: run all --num-it iterations even when the loss "
            + "diverges (default: stop once the smoothed loss passes 4 x its best).")
    boolean noStopDiv;

    /** The sweep these flags give; {@link LrRange} rejects bad values (CliErrors names the flag). */
    LrRange range() {
        return new LrRange(startLr != null ? startLr : LrRange.DEFAULT_START_LR,
                endLr != null ? endLr : LrRange.DEFAULT_END_LR, numIt != null ? numIt : LrRange.DEFAULT_NUM_IT,
                !noStopDiv);
    }
}
