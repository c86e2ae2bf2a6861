package dev.onecycle.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.junit.jupiter.api.Test;

/**
 * The test JVM loads nd4j-native as a plain library user does (no platform extension): the generic binary, oneDNN
 * off (the onednn jar is not on the runtime classpath: the launchers add it), so DL4J's oneDNN helpers stay off even with the project's Nd4jCpu lookup class on the classpath, and the
 * logged line names that binary. 
 */
class NativeBinaryTest {
    @Test
    void theGenericBinaryIsNamedAndLeavesDl4jsOneDnnHelpersOff() {
        FashionMlp.create(784, 16, 10, 1);
        assertEquals("linux-x86_64", NativeBinary.loaded());
        assertFalse(org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN());
        assertFalse(BaseMKLDNNHelper.mklDnnEnabled(), "DL4J's helper check answers from the loaded binary");
        assertTrue(NativeBinary.describe().equals("nd4j-native binary: linux-x86_64 (DL4J helpers off)"), NativeBinary.describe());
    }
}
