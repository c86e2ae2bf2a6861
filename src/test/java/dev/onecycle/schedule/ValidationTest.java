package dev.onecycle.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each bad setting is refused with an {@link InvalidParameterException} naming the parameter and value. */
class ValidationTest {

    private static OneCyclePolicy.Builder ok() {
        return OneCyclePolicy.builder().setLrMax(0.1);
    }

    private static CycleSlice.Builder okSlice() {
        return CycleSlice.builder().setItersPerEpoch(10).setEpochs(5);
    }

    private static Arguments bad(String what, String parameter, String value, Supplier<Object> action) {
        return Arguments.of(what, parameter, value, action);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("lrMax 0", "lrMax", "0.0", () -> ok().setLrMax(0)),
                bad("lrMax negative", "lrMax", "-0.5", () -> ok().setLrMax(-0.5)),
                bad("lrMax NaN", "lrMax", "NaN", () -> ok().setLrMax(Double.NaN)),
                bad("lrMax Infinity", "lrMax", "Infinity", () -> ok().setLrMax(Double.POSITIVE_INFINITY)),
                bad("lrMax -Infinity", "lrMax", "-Infinity", () -> ok().setLrMax(Double.NEGATIVE_INFINITY)),
                bad("lrMax missing", "lrMax", "nothing", () -> OneCyclePolicy.builder().build()),
                bad("divFactor 0", "divFactor", "0.0", () -> ok().optDivFactor(0)),
                bad("divFactor negative", "divFactor", "-25.0", () -> ok().optDivFactor(-25)),
                bad("divFactor NaN", "divFactor", "NaN", () -> ok().optDivFactor(Double.NaN)),
                bad("divFactor Infinity", "divFactor", "Infinity", () -> ok().optDivFactor(Double.POSITIVE_INFINITY)),
                bad("lrMax / divFactor underflows", "divFactor", "1.0E300",
                        () -> OneCyclePolicy.builder().setLrMax(1e-300).optDivFactor(1e300).build()),
                bad("pctStart negative", "pctStart", "-0.01", () -> ok().optPctStart(-0.01)),
                bad("pctStart above 1", "pctStart", "1.5", () -> ok().optPctStart(1.5)),
                bad("pctStart NaN", "pctStart", "NaN", () -> ok().optPctStart(Double.NaN)),
                bad("max momentum negative", "maxMomentum", "-0.1", () -> ok().optMomentum(-0.1, 0.85)),
                bad("max momentum 1", "maxMomentum", "1.0", () -> ok().optMomentum(1.0, 0.85)),
                bad("max momentum NaN", "maxMomentum", "NaN", () -> ok().optMomentum(Double.NaN, 0.85)),
                bad("base momentum negative", "baseMomentum", "-0.2", () -> ok().optMomentum(0.95, -0.2)),
                bad("base momentum above 1", "baseMomentum", "1.2", () -> ok().optMomentum(0.95, 1.2)),
                bad("finalDiv 0", "finalDiv", "0.0", () -> ok().optFinalDiv(0)),
                bad("finalDiv negative", "finalDiv", "-3.0", () -> ok().optFinalDiv(-3)),
                bad("finalDiv NaN", "finalDiv", "NaN", () -> ok().optFinalDiv(Double.NaN)),
                bad("finalDiv Infinity", "finalDiv", "Infinity", () -> ok().optFinalDiv(Double.POSITIVE_INFINITY)),
                bad("threePhase with fastai", "threePhase", "fastai", () -> ok().optThreePhase(true).build()),
                bad("threePhase with fastai2", "threePhase", "fastai2",
                        () -> ok().optStyle(OneCycleStyle.FASTAI2).optThreePhase(true).build()),
                // 1 - pctStart vanishes next to pctStart in float32: fastai 2 divides 0 by 0 where the position
                // reaches 1.0f, which a cycle of 2^26 steps does at its last step
                bad("fastai2 second phase empty in float32", "pctStart", "0.99999999",
                        () -> ok().optStyle(OneCycleStyle.FASTAI2).optPctStart(0.99999999).build()
                                .schedule(CycleSlice.full(1, 1 << 26))),
                bad("fastai2 pctStart 1 over 2^26 steps", "pctStart", "1.0",
                        () -> ok().optStyle(OneCycleStyle.FASTAI2).optPctStart(1).build()
                                .schedule(CycleSlice.full(4, 1 << 24))),
                bad("fastai2 cycle of 0 steps", "totalIterations", "0",
                        () -> ok().optStyle(OneCycleStyle.FASTAI2).build().over(0)),
                bad("fastai2 cycle beyond int", "totalIterations", "2147483648",
                        () -> ok().optStyle(OneCycleStyle.FASTAI2).build().over(Integer.MAX_VALUE + 1L)),
                bad("annealing null", "annealing", "nothing", () -> ok().optAnnealing(null)),
                bad("annealing name", "annealing", "cosh", () -> Annealing.parse("cosh")),
                bad("style name", "style", "keras", () -> OneCycleStyle.parse("keras")),
                bad("cycle of 0 steps", "totalIterations", "0", () -> ok().build().over(0)),
                bad("cycle beyond int", "totalIterations", "2147483648",
                        () -> ok().build().over(Integer.MAX_VALUE + 1L)),
                bad("startEpoch negative", "startEpoch", "-1", () -> okSlice().optStartEpoch(-1)),
                bad("startEpoch == totEpochs", "startEpoch", "5",
                        () -> okSlice().optTotEpochs(5).optStartEpoch(5).setEpochs(1).build()),
                bad("startEpoch > totEpochs", "startEpoch", "9",
                        () -> okSlice().optTotEpochs(5).optStartEpoch(9).setEpochs(1).build()),
                bad("startEpoch + epochs > totEpochs", "epochs", "4",
                        () -> okSlice().optTotEpochs(10).optStartEpoch(7).setEpochs(4).build()),
                bad("rest from the end (0 epochs left)", "epochs", "0", () -> CycleSlice.rest(20, 20, 5)),
                bad("epochs 0", "epochs", "0", () -> okSlice().setEpochs(0)),
                bad("epochs negative", "epochs", "-3", () -> okSlice().setEpochs(-3)),
                bad("epochs missing", "epochs", "nothing", () -> CycleSlice.builder().setItersPerEpoch(3).build()),
                bad("itersPerEpoch 0", "itersPerEpoch", "0", () -> okSlice().setItersPerEpoch(0)),
                bad("itersPerEpoch negative", "itersPerEpoch", "-7", () -> CycleSlice.full(3, -7)),
                bad("itersPerEpoch missing", "itersPerEpoch", "nothing", () -> CycleSlice.builder().setEpochs(3).build()),
                bad("totEpochs 0", "totEpochs", "0", () -> okSlice().optTotEpochs(0)),
                bad("totEpochs * itersPerEpoch > int", "itersPerEpoch", "1073741824",
                        () -> CycleSlice.full(2, 1 << 30)),
                bad("startEpoch + epochs > int", "epochs", String.valueOf(Integer.MAX_VALUE),
                        () -> CycleSlice.builder().optStartEpoch(5).setEpochs(Integer.MAX_VALUE).setItersPerEpoch(1)
                                .build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void badSettingIsRefusedNamingParameterAndValue(String what, String parameter, String value,
            Supplier<Object> action) {
        InvalidParameterException e = assertThrows(InvalidParameterException.class, action::get, what);
        assertEquals(parameter, e.parameter(), e.getMessage());
        assertTrue(e.getMessage().startsWith(parameter + " "), "message names the parameter: " + e.getMessage());
        assertTrue(e.getMessage().contains(value), "message contains the value " + value + ": " + e.getMessage());
    }

    static Stream<Arguments> goodEdges() {
        return Stream.of(Arguments.of((Supplier<Object>) () -> ok().optPctStart(0).build()),
                Arguments.of((Supplier<Object>) () -> ok().optPctStart(1).build()),
                Arguments.of((Supplier<Object>) () -> ok().optMomentum(0, 0).build()),
                Arguments.of((Supplier<Object>) () -> ok().optMomentum(0.999999, 0.5).build()),
                Arguments.of((Supplier<Object>) () -> ok().optDivFactor(1e-3).optFinalDiv(1e-3).build()),
                Arguments.of((Supplier<Object>) () -> ok().build().over(Integer.MAX_VALUE)),
                Arguments.of((Supplier<Object>) () -> CycleSlice.full(1, Integer.MAX_VALUE)),
                Arguments.of((Supplier<Object>) () -> okSlice().optTotEpochs(5).optStartEpoch(4).setEpochs(1).build()),
                Arguments.of((Supplier<Object>) () -> ok().optStyle(OneCycleStyle.PYTORCH).optThreePhase(true).build()),
                // pctStart 1 is fine in fastai2 while the position stays below 1.0f (fewer than 2^25 steps)
                Arguments.of((Supplier<Object>) () -> ok().optStyle(OneCycleStyle.FASTAI2).optPctStart(1).build()
                        .schedule(CycleSlice.full(1, 1 << 24))),
                Arguments.of((Supplier<Object>) () -> ok().optStyle(OneCycleStyle.FASTAI2).optPctStart(0).build()
                        .schedule(CycleSlice.full(3, 7))),
                Arguments.of((Supplier<Object>) () -> ok().optStyle(OneCycleStyle.FASTAI2).build()
                        .over(Integer.MAX_VALUE)));
    }

    @ParameterizedTest
    @MethodSource("goodEdges")
    void valuesAtTheEdgeOfEachRangeAreAccepted(Supplier<Object> action) {
        action.get();
    }
}
