package dev.onecycle.ml;

import dev.onecycle.data.FashionMnist;
import dev.onecycle.data.LabeledData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Small DataFrames of the shipped Fashion-MNIST sample, and the Spark session the ML tests share. */
final class Frames {
    private static SparkSession spark;

    private Frames() {
    }

    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2]").appName("ml-tests").config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
        }
        return spark;
    }

    static synchronized void stop() {
        if (spark != null) {
            spark.stop();
            spark = null;
        }
    }

    static LabeledData sample(int from, int to) {
        try {
            return FashionMnist.sample().train().range(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows {@code [from, to)} of the sample: {@code features} a dense Vector scaled to [0, 1], {@code label} a double. */
    static Dataset<Row> vectors(int from, int to) {
        LabeledData d = sample(from, to);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            float[] x = d.featuresOf(i);
            double[] v = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                v[j] = x[j];
            }
            rows.add(RowFactory.create(Vectors.dense(v), (double) d.label(i)));
        }
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        return spark().createDataFrame(rows, schema);
    }

    /** The same rows with the features as {@code array<double>} and integer labels. */
    static Dataset<Row> arrays(int from, int to) {
        LabeledData d = sample(from, to);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            float[] x = d.featuresOf(i);
            Double[] v = new Double[x.length];
            for (int j = 0; j < x.length; j++) {
                v[j] = (double) x[j];
            }
            rows.add(RowFactory.create(java.util.Arrays.asList(v), d.label(i)));
        }
        StructType schema = new StructType().add("pixels", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType);
        return spark().createDataFrame(rows, schema);
    }
}
