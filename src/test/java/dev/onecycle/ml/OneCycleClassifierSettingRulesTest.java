package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.InvalidParameterException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The estimator applies the run engine's rules between settings, as {@code onecycle train} does: mid-epoch
 * checkpoints (or a resume) with {@code keepCheckpoints} 0 are refused before anything is read or written, where
 * a fit used to accept them silently and write no checkpoint.
 */
class OneCycleClassifierSettingRulesTest {
    @TempDir
    Path tmp;

    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    private static Dataset<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(RowFactory.create(Vectors.dense(i, 1, 2), (double) (i % 2)));
        }
        return Frames.spark().createDataFrame(rows, new StructType().add("features", SQLDataTypes.VectorType())
                .add("label", DataTypes.DoubleType));
    }

    private OneCycleClassifier withoutCheckpoints() {
        return new OneCycleClassifier().setHidden(4).setBatchSize(2).setWorkers(1).setTotEpochs(1)
                .setCheckpointDir(tmp.resolve("ckpt").toString()).setKeepCheckpoints(0);
    }

    @Test
    void midEpochCheckpointsWithoutCheckpointsAreRefusedNamingBothParams() {
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> withoutCheckpoints().setCheckpointEvery(10).fit(rows()));
        assertEquals("checkpointEvery", e.parameter());
        assertEquals("checkpointEvery needs checkpoints, but keepCheckpoints is 0: drop one of them, got 10",
                e.getMessage());
        e = assertThrows(InvalidParameterException.class,
                () -> withoutCheckpoints().setCheckpointInterval("30s").fit(rows()));
        assertEquals("checkpointInterval", e.parameter());
        assertTrue(e.getMessage().contains("keepCheckpoints is 0"), e.getMessage());
        e = assertThrows(InvalidParameterException.class, () -> withoutCheckpoints().setResume(true).fit(rows()));
        assertEquals("resume", e.parameter());
        assertTrue(e.getMessage().contains("keepCheckpoints is 0"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("ckpt")), "nothing written");
    }

    @Test
    void noCheckpointsAndNoMidEpochRequestTrains() {
        OneCycleClassificationModel m = withoutCheckpoints().fit(rows());
        assertEquals(2, m.numClasses());
        assertFalse(Files.exists(tmp.resolve("ckpt")), "keepCheckpoints 0 writes none");
    }
}
