package dev.onecycle.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FashionLeNetTest {
    @Test
    void takesFlatRowsOf784AndHasLeNetsParameterCount() {
        Network net = FashionLeNet.create(784, 10, 7);
        // conv1 6*25+6, conv2 16*6*25+16, dense 400*120+120, 120*84+84, output 84*10+10
        assertEquals(156 + 2416 + 48120 + 10164 + 850, net.params().length());
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 784);
        INDArray out = ((MultiLayerNetwork) net.model()).output(x);
        assertEquals(3, out.rows());
        assertEquals(10, out.columns());
        assertTrue(Math.abs(out.sumNumber().doubleValue() - 3.0) < 1e-4, "softmax rows sum to 1");
    }

    @Test
    void refusesDataThatIsNot28By28() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionLeNet.create(100, 10, 7));
        assertTrue(e.getMessage().contains("100 features"), e.getMessage());
    }
}
