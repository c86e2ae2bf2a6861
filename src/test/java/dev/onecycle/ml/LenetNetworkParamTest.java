package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.InvalidParameterException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The estimator's {@code network} Param takes the built-in CNN by name, as {@code train --network lenet}. */
class LenetNetworkParamTest {
    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    @Test
    void theNetworkParamTakesLenetAndStillRefusesOtherNames() {
        OneCycleClassifier c = new OneCycleClassifier().setNetwork("lenet");
        assertEquals("lenet", c.getNetwork());
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> new OneCycleClassifier().setNetwork("lenet5"));
        assertTrue(e.getMessage().contains("'mlp', 'lenet' or a DL4J"), e.getMessage());
    }

    @Test
    void lenetFitsTwentyEightByTwentyEightImagesAndRefusesOtherRowsNamingTheColumn() {
        OneCycleClassifier lenet = new OneCycleClassifier().setNetwork("lenet").setBatchSize(20).setWorkers(2)
                .setTotEpochs(1);
        OneCycleClassificationModel model = lenet.fit(Frames.vectors(0, 200));
        // conv 5x5x6, conv 5x5x16, dense 120, dense 84, softmax 10: LeNet-5's 61,706 parameters
        assertEquals(61_706, model.network().params().length());
        assertEquals(784, model.numFeatures());

        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(RowFactory.create(Vectors.dense(i, 1, 2), (double) (i % 2)));
        }
        Dataset<Row> small = Frames.spark().createDataFrame(rows, new StructType()
                .add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType));
        InvalidColumnException e = assertThrows(InvalidColumnException.class, () -> lenet.fit(small));
        assertTrue(e.getMessage().contains("featuresCol 'features'") && e.getMessage().contains("784 features")
                && e.getMessage().contains("3 features") && e.getMessage().contains("network 'mlp'"), e.getMessage());
    }
}
