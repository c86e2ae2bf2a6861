package dev.onecycle.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;

class ScheduleCommandTest {
    private static final String HEADER = "iteration,epoch,lr,momentum";

    /** {@code onecycle schedule} with lrMax 0.01 and 20 epochs of 50 steps, unless {@code more} sets them. */
    private static CliRun schedule(String... more) {
        List<String> args = new ArrayList<>(List.of("schedule"));
        List<String> given = List.of(more);
        String[][] defaults = {{"--lr-max", "0.01"}, {"--tot-epochs", "20"}, {"--iters-per-epoch", "50"}};
        for (String[] d : defaults) {
            if (!given.contains(d[0])) {
                args.addAll(List.of(d));
            }
        }
        args.addAll(given);
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void printsTheHeaderAndOneRowPerIterationOfTheSlice() {
        CliRun run = schedule("--start-epoch", "8", "--epochs", "7");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());
        List<String> lines = run.outLines();
        assertEquals(HEADER, lines.get(0));
        assertEquals(1 + 7 * 50, lines.size());
        assertEquals("400,8,", lines.get(1).substring(0, 6));
        assertTrue(lines.get(lines.size() - 1).startsWith("749,14,"), lines.get(lines.size() - 1));
    }

    @Test
    void epochsDefaultToTheRestOfTheCycle() {
        CliRun run = schedule("--start-epoch", "12");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1 + 8 * 50, run.outLines().size());
        assertTrue(run.outLines().get(run.outLines().size() - 1).startsWith("999,19,"));
    }

    @Test
    void rowsAreTheScheduleValuesInFullPrecision() {
        CliRun run = schedule("--style", "pytorch", "--moms", "0.9,0.8", "--anneal", "linear");
        OneCycleSchedule expected = OneCyclePolicy.builder().setLrMax(0.01).optStyle(
                dev.onecycle.schedule.OneCycleStyle.PYTORCH).optMomentum(0.9, 0.8)
                .optAnnealing(dev.onecycle.schedule.Annealing.LINEAR).build().schedule(CycleSlice.full(20, 50));

        List<String> lines = run.outLines();
        assertEquals(1001, lines.size());
        for (int i = 0; i < 1000; i++) {
            String[] cols = lines.get(i + 1).split(",");
            assertEquals(i, Long.parseLong(cols[0]));
            assertEquals(i / 50, Integer.parseInt(cols[1]));
            assertEquals(expected.lr(i), Double.parseDouble(cols[2]), 0.0);
            assertEquals(expected.momentum(i), Double.parseDouble(cols[3]), 0.0);
        }
    }

    @Test
    void fastai2StyleRowsAreFitOneCyclesWithItsDefaultsOverTheSlicesEpochs() {
        CliRun run = schedule("--style", "fastai2", "--tot-epochs", "7", "--iters-per-epoch", "13", "--start-epoch",
                "2");
        // unset --pct-start and --final-div: fastai 2's fit_one_cycle defaults 0.25 and 1e5
        OneCycleSchedule expected = OneCyclePolicy.builder().setLrMax(0.01).optPctStart(0.25).optFinalDiv(1e5)
                .optStyle(dev.onecycle.schedule.OneCycleStyle.FASTAI2).build()
                .schedule(CycleSlice.rest(7, 2, 13));

        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.outLines();
        assertEquals(1 + 5 * 13, lines.size());
        for (int i = 26; i < 91; i++) {
            String[] cols = lines.get(i - 25).split(",");
            assertEquals(i, Long.parseLong(cols[0]));
            assertEquals(expected.lr(i), Double.parseDouble(cols[2]), 0.0);
            assertEquals(expected.momentum(i), Double.parseDouble(cols[3]), 0.0);
        }
    }

    @Test
    void slicesZeroToEightAndEightToTwentyConcatenatedAreTheWholeCycleExactly() {
        CliRun first = schedule("--epochs", "8");
        CliRun rest = schedule("--start-epoch", "8");
        CliRun whole = schedule();

        List<String> joined = new ArrayList<>(first.outLines());
        joined.addAll(rest.outLines().subList(1, rest.outLines().size()));
        assertEquals(whole.outLines(), joined);
        assertEquals(1001, joined.size());
    }

    static Stream<Arguments> badFlags() {
        return Stream.of(
                Arguments.of("--foo", "unknown option", new String[] {"--foo"}),
                Arguments.of("--style", "fastai, fastai2, pytorch", new String[] {"--style", "keras"}),
                Arguments.of("--lr-max", "got -1.0", new String[] {"--lr-max", "-1"}),
                Arguments.of("--lr-max", "got NaN", new String[] {"--lr-max", "NaN"}),
                Arguments.of("--lr-max", "got Infinity", new String[] {"--lr-max", "Infinity"}),
                Arguments.of("--lr-max", "expected a number", new String[] {"--lr-max", "abc"}),
                Arguments.of("--lr-max", "missing value", new String[] {"--lr-max"}),
                Arguments.of("--moms", "two numbers separated by a comma", new String[] {"--moms", "0.9"}),
                Arguments.of("--moms", "[0, 1)", new String[] {"--moms", "0.9,1.5"}),
                Arguments.of("--pct-start", "[0, 1]", new String[] {"--pct-start", "1.5"}),
                Arguments.of("--start-epoch", "< totEpochs", new String[] {"--start-epoch", "20"}),
                Arguments.of("--epochs", "totEpochs", new String[] {"--start-epoch", "18", "--epochs", "3"}),
                Arguments.of("--anneal", "cos, linear", new String[] {"--anneal", "step"}),
                Arguments.of("--three-phase", "pytorch", new String[] {"--three-phase"}),
                Arguments.of("--iters-per-epoch", "> 0", new String[] {"--iters-per-epoch", "0"}),
                Arguments.of("--tot-epochs", "whole number", new String[] {"--tot-epochs", "2.5"}),
                Arguments.of("--epochs", "more than once", new String[] {"--epochs", "3", "--epochs", "4"}),
                Arguments.of("--plot", ".png", new String[] {"--plot", "schedule.jpg"}));
    }

    @ParameterizedTest(name = "{2} -> {0}: {1}")
    @MethodSource("badFlags")
    void aBadFlagExitsTwoWithOneStderrLineNamingItAndNothingOnStdout(String flag, String says, String[] args) {
        CliRun run = schedule(args);
        assertBadUsage(run, flag);
        assertTrue(run.err().contains(says), "says " + says + ": " + run.err());
    }

    @Test
    void missingLrMaxIsNamedOnOneLine() {
        CliRun run = CliRun.of("schedule", "--tot-epochs", "20", "--iters-per-epoch", "50");
        assertBadUsage(run, "--lr-max");
        assertEquals("onecycle: missing required option --lr-max (see onecycle schedule --help)", run.err().strip());
    }

    @Test
    void allMissingRequiredFlagsAreNamedOnOneLine() {
        CliRun run = CliRun.of("schedule");
        assertBadUsage(run, "--lr-max");
        assertTrue(run.err().contains("--tot-epochs") && run.err().contains("--iters-per-epoch"), run.err());
    }

    @Test
    void messagesSayTheFlagTheRuleAndTheValue() {
        assertEquals("onecycle: --style: expected one of fastai, fastai2, pytorch, got 'keras'",
                schedule("--style", "keras").err().strip());
        assertEquals("onecycle: --lr-max: lrMax must be finite and > 0, got -1.0",
                schedule("--lr-max", "-1").err().strip());
        assertEquals("onecycle: unknown option '--foo' (see onecycle schedule --help)",
                schedule("--foo").err().strip());
        assertEquals("onecycle: --start-epoch: startEpoch must be < totEpochs (20), got 20",
                schedule("--start-epoch", "20").err().strip());
    }

    @Test
    void anUnknownCommandOrNoCommandIsBadUsage() {
        CliRun unknown = CliRun.of("fit");
        assertBadUsage(unknown, "fit");
        assertTrue(unknown.err().contains("schedule"), unknown.err());
        assertBadUsage(CliRun.of(), "schedule");
    }

    @Test
    void helpGoesToStdoutAndExitsZero() {
        CliRun run = CliRun.of("schedule", "--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("--lr-max"), run.out());
        assertEquals("", run.err());
    }

    static void assertBadUsage(CliRun run, String named) {
        assertAll(
                () -> assertEquals(2, run.exitCode(), run.err()),
                () -> assertEquals("", run.out(), "stdout"),
                () -> assertEquals(1, run.errLines().size(), "one stderr line: " + run.err()),
                () -> assertTrue(run.err().startsWith("onecycle: "), run.err()),
                () -> assertTrue(run.err().contains(named), "names " + named + ": " + run.err()),
                () -> assertTrue(!run.err().contains("\tat ") && !run.err().contains("Exception"),
                        "no stack trace: " + run.err()));
    }
}
