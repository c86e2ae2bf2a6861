package dev.onecycle.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.InvalidParameterException;
import dev.onecycle.settings.Settings;
import org.junit.jupiter.api.Test;

/** The registry of strategies: the one place the {@code auto} choice is made and the setting's choices come from. */
class AveragingPathTest {
    private static final long MB = 1L << 20;

    @Test
    void autoTakesTheBarrierPathWhenEveryWorkerHasASlotAndTheStatesAreSmallElseTheDriverPath() {
        assertEquals(AveragingPath.BARRIER, AveragingPath.AUTO.choose(new Cluster(4, 4, false, 16 * MB)));
        assertEquals(AveragingPath.DRIVER, AveragingPath.AUTO.choose(new Cluster(4, 4, false, 17 * MB)),
                "4 workers x 17 MB > 64 MB gathered per round");
        assertEquals(AveragingPath.DRIVER, AveragingPath.AUTO.choose(new Cluster(4, 3, false, MB)), "a slot short");
        assertEquals(AveragingPath.DRIVER, AveragingPath.AUTO.choose(new Cluster(2, 8, true, MB)),
                "dynamic allocation");
    }

    @Test
    void aForcedStrategyThatCannotRunIsRefusedNamingTheSettingAndWhatToChange() {
        InvalidParameterException slots = assertThrows(InvalidParameterException.class,
                () -> AveragingPath.BARRIER.choose(new Cluster(4, 2, false, -1)));
        assertEquals("averaging barrier needs a free task slot per worker (4), the cluster has 2; use fewer workers "
                + "or averaging driver/auto, got barrier", slots.getMessage());
        assertTrue(assertThrows(InvalidParameterException.class,
                () -> AveragingPath.BARRIER.choose(new Cluster(2, 8, true, -1))).getMessage()
                .contains("spark.dynamicAllocation.enabled=false"));
        assertEquals(AveragingPath.DRIVER, AveragingPath.DRIVER.choose(new Cluster(64, 1, true, 1L << 40)));
        assertEquals(AveragingPath.BARRIER, AveragingPath.BARRIER.choose(new Cluster(2, 2, false, 1L << 40)),
                "a forced barrier path does not look at the state's size");
    }

    @Test
    void theSettingsChoicesLabelAndHelpComeFromTheRegistry() {
        assertEquals("auto|barrier|driver", Settings.AVERAGING.paramLabel());
        assertEquals("must be one of auto, barrier, driver", Settings.AVERAGING.type().rule());
        for (AveragingPath p : AveragingPath.values()) {
            assertEquals(p, Settings.AVERAGING.parse(p.id()));
            assertTrue(Settings.AVERAGING.doc().contains(p.id() + " ("), p + " is described in the help");
        }
        assertEquals("averaging must be one of auto, barrier, driver, got tree",
                assertThrows(InvalidParameterException.class, () -> AveragingPath.parse("tree")).getMessage());
    }
}
