package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.InvalidParameterException;
import org.junit.jupiter.api.Test;

/** The estimator's {@code network} Param takes the built-in CNN by name, as {@code train --network lenet}. */
class LenetNetworkParamTest {
    @Test
    void theNetworkParamTakesLenetAndStillRefusesOtherNames() {
        OneCycleClassifier c = new OneCycleClassifier().setNetwork("lenet");
        assertEquals("lenet", c.getNetwork());
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> new OneCycleClassifier().setNetwork("lenet5"));
        assertTrue(e.getMessage().contains("'mlp', 'lenet' or a DL4J"), e.getMessage());
    }
}
