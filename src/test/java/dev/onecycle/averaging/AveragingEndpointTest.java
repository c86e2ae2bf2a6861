package dev.onecycle.averaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The driver's averaging endpoint takes only requests of its fit's shape: a request claiming another worker count
 * or state size is failed, not kept (no round of an arbitrary size is allocated), and a good round still averages.
 */
class AveragingEndpointTest {
    @Test
    void requestsOfAnotherWorkerCountOrStateSizeAreFailedAndAGoodRoundAverages() throws Exception {
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[1]")
                .setAppName("AveragingEndpointTest").set("spark.ui.enabled", "false"))) {
            AveragingEndpoint endpoint = AveragingEndpoint.start("test", 1, 3);
            try {
                IllegalStateException many = assertThrows(IllegalStateException.class, () -> AveragingEndpoint.average(
                        endpoint.name(), new AverageRequest("0.0", 0, 0, Integer.MAX_VALUE, 2,
                                new Floats(new float[] {1, 2, 3}))));
                assertTrue(many.getMessage().contains("a round of 2147483647 workers"), many.getMessage());
                IllegalStateException longer = assertThrows(IllegalStateException.class, () -> AveragingEndpoint.average(
                        endpoint.name(), new AverageRequest("0.0", 0, 0, 1, 2, new Floats(new float[5]))));
                assertTrue(longer.getMessage().contains("5 values sent to a fit of 1 workers and 3 values"),
                        longer.getMessage());
                assertArrayEquals(new float[] {1, 2, 3}, AveragingEndpoint.average(endpoint.name(),
                        new AverageRequest("0.0", 0, 0, 1, 2, new Floats(new float[] {1, 2, 3}))));
            } finally {
                endpoint.close();
            }
        }
    }
}
