package dev.onecycle.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DataFrame's feature and label columns as training examples: the schema checks, one validation pass over
 * the rows (count, feature size, NaN, labels that are not class indices), and the rows as minibatch
 * {@link DataSet}s for the trainer. The feature column is an ML {@link Vector} (dense or sparse) or an array of
 * numbers; labels are whole numbers in {@code [0, numClasses)}.
 */
final class FrameExamples {
    /** Rows per DataSet handed to the trainer (it packs them into one block per partition), at most. */
    private static final int CHUNK = 512;
    /** Bytes of one dense DataSet's features at most: wide rows come in fewer rows per DataSet. */
    static final long CHUNK_BYTES = 64L << 20;
    /**
     * The most classes a label column may make: one output per class, and every row's label one-hot over them.
     * A label beyond it is an id, not a class index.
     */
    static final int MAX_CLASSES = 100_000;

    private final Dataset<Row> rows;
    private final long count;
    private final int features;
    private final int classes;

    private FrameExamples(Dataset<Row> rows, long count, int features, int classes) {
        this.rows = rows;
        this.count = count;
        this.features = features;
        this.classes = classes;
    }

    long count() {
        return count;
    }

    int features() {
        return features;
    }

    int classes() {
        return classes;
    }

    /** Refuses a missing features column, or one that is neither a Vector nor an array of numbers. */
    static void checkFeaturesColumn(StructType schema, String column) {
        DataType t = typeOf(schema, "featuresCol", column);
        if (!isFeaturesType(t)) {
            throw new InvalidColumnException("featuresCol", column, "must be an ML Vector (dense or sparse) or an "
                    + "array of numbers, but is " + t.simpleString() + "; assemble the feature columns with "
                    + "VectorAssembler");
        }
    }

    /** Refuses a missing label column, or one that is not numeric. */
    static void checkLabelColumn(StructType schema, String column) {
        DataType t = typeOf(schema, "labelCol", column);
        if (!(t instanceof NumericType)) {
            throw new InvalidColumnException("labelCol", column, "must hold class indices 0, 1, ... as numbers, but is "
                    + t.simpleString() + "; index string labels with StringIndexer");
        }
    }

    static boolean isFeaturesType(DataType t) {
        return t.equals(SQLDataTypes.VectorType())
                || t instanceof ArrayType && ((ArrayType) t).elementType() instanceof NumericType;
    }

    /** {@code schema} with the features column typed as a Vector, for MLlib's own schema checks. */
    static StructType withVectorFeatures(StructType schema, String column) {
        StructField[] fields = schema.fields().clone();
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].name().equals(column)) {
                fields[i] = new StructField(column, SQLDataTypes.VectorType(), fields[i].nullable(),
                        fields[i].metadata());
            }
        }
        return new StructType(fields);
    }

    private static DataType typeOf(StructType schema, String param, String column) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(column)) {
                return f.dataType();
            }
        }
        throw new InvalidColumnException(param, column, "no such column; the DataFrame has "
                + String.join(", ", schema.fieldNames()) + " (set " + param + " to the right one)");
    }

    /**
     * Checks the columns and makes one pass over the rows; any row that cannot be trained on fails here, naming
     * the column and the problem, before any training job.
     */
    static FrameExamples check(Dataset<?> dataset, String featuresCol, String labelCol) {
        StructType schema = dataset.schema();
        checkFeaturesColumn(schema, featuresCol);
        checkLabelColumn(schema, labelCol);
        int declaredClasses = declaredClasses(schema.apply(labelCol));
        Dataset<Row> rows = dataset.select(featuresCol, labelCol);
        // collected, not reduced: a DataFrame without partitions (df.limit(0), df.where("false")) gives none
        Stats total = new Stats();
        for (Stats s : rows.javaRDD().mapPartitions(it -> {
            Stats s = new Stats();
            while (it.hasNext()) {
                s.add(it.next());
            }
            return List.of(s).iterator();
        }).collect()) {
            total.merge(s);
        }
        if (total.count == 0) {
            throw new InvalidColumnException("featuresCol", featuresCol, "the DataFrame has no rows to train on");
        }
        if (total.nullFeatures > 0) {
            throw new InvalidColumnException("featuresCol", featuresCol, "is null in " + total.nullFeatures
                    + " of " + total.count + " rows; drop or fill them first");
        }
        if (total.minFeatures != total.maxFeatures) {
            throw new InvalidColumnException("featuresCol", featuresCol, "has rows of " + total.minFeatures + " and of "
                    + total.maxFeatures + " features; every row needs the same number");
        }
        if (total.minFeatures == 0) {
            throw new InvalidColumnException("featuresCol", featuresCol, "has no features (empty vectors)");
        }
        if (total.nonFinite > 0) {
            throw new InvalidColumnException("featuresCol", featuresCol, "holds NaN or infinite values in "
                    + total.nonFinite + " of " + total.count + " rows (first: " + total.firstNonFinite
                    + "); impute them (e.g. Imputer) or drop those rows");
        }
        String labelRule = declaredClasses > 0 ? "a whole number in [0, " + declaredClasses + ")"
                : "a whole number >= 0 (a class index)";
        if (total.nullLabels > 0) {
            throw new InvalidColumnException("labelCol", labelCol, "is null in " + total.nullLabels + " of "
                    + total.count + " rows; every label must be " + labelRule);
        }
        if (total.badLabels > 0) {
            throw new InvalidColumnException("labelCol", labelCol, "must be " + labelRule + " in every row, but "
                    + total.badLabels + " of " + total.count + " rows are not (first: " + fmt(total.firstBadLabel)
                    + "); index the labels with StringIndexer");
        }
        if (declaredClasses > 0 && total.maxLabel >= declaredClasses) {
            throw new InvalidColumnException("labelCol", labelCol, "must be " + labelRule + " in every row, but "
                    + fmt(total.maxLabel) + " occurs (the column's metadata declares " + declaredClasses + " classes)");
        }
        if (declaredClasses > MAX_CLASSES || total.maxLabel >= MAX_CLASSES) {
            throw new InvalidColumnException("labelCol", labelCol, (declaredClasses > MAX_CLASSES
                    ? "declares " + declaredClasses + " classes in its metadata"
                    : "has the largest label " + fmt(total.maxLabel) + ", which makes " + fmt(total.maxLabel + 1)
                            + " classes") + "; at most " + MAX_CLASSES + " are supported (one output and one "
                    + "one-hot column per class): labels must be class indices 0 .. k-1, index them with "
                    + "StringIndexer");
        }
        int classes = declaredClasses > 0 ? declaredClasses : (int) total.maxLabel + 1;
        if (classes < 2) {
            throw new InvalidColumnException("labelCol", labelCol, "holds only class 0: a classifier needs at least "
                    + "two classes");
        }
        return new FrameExamples(rows, total.count, total.minFeatures, classes);
    }

    /** The classes the label column's ML attribute declares (StringIndexer writes it), or 0. */
    static int declaredClasses(StructField label) {
        Attribute a = Attribute.fromStructField(label);
        if (a instanceof NominalAttribute && ((NominalAttribute) a).getNumValues().isDefined()) {
            return (Integer) ((NominalAttribute) a).getNumValues().get();
        }
        return 0;
    }

    /** The number of features a column's ML attribute group declares, or -1. */
    static int declaredFeatures(StructField features) {
        try {
            return AttributeGroup.fromStructField(features).size();
        } catch (RuntimeException none) {
            return -1;
        }
    }

    /** The rows as minibatch DataSets (features {@code [n, features]}, one-hot labels {@code [n, classes]}), in order. */
    JavaRDD<DataSet> dataSets() {
        int f = features;
        int c = classes;
        return rows.javaRDD().mapPartitions(it -> new Chunks(it, f, c));
    }

    /** Row {@code i}'s features into {@code dst[offset..]} as floats: a Vector or an array of numbers. */
    static void copyFeatures(Object value, float[] dst, int offset) {
        if (value instanceof Vector) {
            Vector v = (Vector) value;
            v.foreachActive(new scala.runtime.AbstractFunction2<Object, Object, scala.runtime.BoxedUnit>() {
                @Override
                public scala.runtime.BoxedUnit apply(Object i, Object x) {
                    dst[offset + (Integer) i] = (float) (double) (Double) x;
                    return scala.runtime.BoxedUnit.UNIT;
                }
            });
            return;
        }
        List<Object> list = toList(value);
        for (int i = 0; i < list.size(); i++) {
            Object x = list.get(i);
            dst[offset + i] = x == null ? Float.NaN : ((Number) x).floatValue();
        }
    }

    /** {@code "NaN at feature 3"} for the first value of a row's features that is not finite as a float, or null. */
    static String firstNonFinite(Object value) {
        if (value instanceof Vector) {
            Vector v = (Vector) value;
            if (v instanceof org.apache.spark.ml.linalg.SparseVector) {
                org.apache.spark.ml.linalg.SparseVector sv = (org.apache.spark.ml.linalg.SparseVector) v;
                for (int k = 0; k < sv.indices().length; k++) {
                    if (!Float.isFinite((float) sv.values()[k])) {
                        return String.format(Locale.ROOT, "%s at feature %d", (float) sv.values()[k], sv.indices()[k]);
                    }
                }
                return null;
            }
            double[] d = v.toArray();
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite((float) d[i])) {
                    return String.format(Locale.ROOT, "%s at feature %d", (float) d[i], i);
                }
            }
            return null;
        }
        List<Object> list = toList(value);
        for (int i = 0; i < list.size(); i++) {
            Object x = list.get(i);
            float f = x == null ? Float.NaN : ((Number) x).floatValue();
            if (!Float.isFinite(f)) {
                return String.format(Locale.ROOT, "%s at feature %d", f, i);
            }
        }
        return null;
    }

    /** Rows of {@code features} floats in one dense batch of at most {@link #CHUNK_BYTES} (and {@code max}). */
    static int rowsPerBatch(int features, int max) {
        return (int) Math.max(1, Math.min(max, CHUNK_BYTES / (4L * features)));
    }

    /** The size of a row's features. */
    static int sizeOf(Object value) {
        return value instanceof Vector ? ((Vector) value).size() : toList(value).size();
    }

    private static List<Object> toList(Object value) {
        if (value instanceof List) {
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) value;
            return l;
        }
        return scala.collection.JavaConverters.seqAsJavaList((scala.collection.Seq<Object>) value);
    }

    private static String fmt(double x) {
        return x == Math.rint(x) && !Double.isInfinite(x) ? String.valueOf((long) x) : String.valueOf(x);
    }

    /** Per-partition counts of the validation pass. */
    private static final class Stats implements Serializable {
        private static final long serialVersionUID = 1L;
        long count;
        long nullFeatures;
        long nonFinite;
        String firstNonFinite;
        long nullLabels;
        long badLabels;
        double firstBadLabel;
        double maxLabel = -1;
        int minFeatures = Integer.MAX_VALUE;
        int maxFeatures = Integer.MIN_VALUE;

        void add(Row row) {
            count++;
            Object x = row.get(0);
            if (x == null) {
                nullFeatures++;
            } else {
                int n = sizeOf(x);
                minFeatures = Math.min(minFeatures, n);
                maxFeatures = Math.max(maxFeatures, n);
                // the stored values only: a sparse row is not densified (a very wide one would not fit)
                String bad = firstNonFinite(x);
                if (bad != null && nonFinite++ == 0) {
                    firstNonFinite = bad;
                }
            }
            if (row.isNullAt(1)) {
                nullLabels++;
                return;
            }
            double y = ((Number) row.get(1)).doubleValue();
            if (!(y >= 0) || y != Math.rint(y) || y > Integer.MAX_VALUE - 1) {
                if (badLabels++ == 0) {
                    firstBadLabel = y;
                }
            } else {
                maxLabel = Math.max(maxLabel, y);
            }
        }

        Stats merge(Stats o) {
            count += o.count;
            nullFeatures += o.nullFeatures;
            if (nonFinite == 0) {
                firstNonFinite = o.firstNonFinite;
            }
            nonFinite += o.nonFinite;
            nullLabels += o.nullLabels;
            if (badLabels == 0) {
                firstBadLabel = o.firstBadLabel;
            }
            badLabels += o.badLabels;
            maxLabel = Math.max(maxLabel, o.maxLabel);
            minFeatures = Math.min(minFeatures, o.minFeatures);
            maxFeatures = Math.max(maxFeatures, o.maxFeatures);
            return this;
        }
    }

    /** A partition's rows in DataSets of {@link #CHUNK}. */
    private static final class Chunks implements Iterator<DataSet> {
        private final Iterator<Row> rows;
        private final int features;
        private final int classes;

        Chunks(Iterator<Row> rows, int features, int classes) {
            this.rows = rows;
            this.features = features;
            this.classes = classes;
        }

        @Override
        public boolean hasNext() {
            return rows.hasNext();
        }

        @Override
        public DataSet next() {
            int most = rowsPerBatch(features + classes, CHUNK);
            List<Row> chunk = new ArrayList<>(most);
            while (rows.hasNext() && chunk.size() < most) {
                chunk.add(rows.next());
            }
            int n = chunk.size();
            float[] x = new float[n * features];
            float[] y = new float[n * classes];
            for (int i = 0; i < n; i++) {
                Row r = chunk.get(i);
                copyFeatures(r.get(0), x, i * features);
                y[i * classes + (int) ((Number) r.get(1)).doubleValue()] = 1f;
            }
            return new DataSet(Nd4j.create(x, new long[] {n, features}, 'c'),
                    Nd4j.create(y, new long[] {n, classes}, 'c'));
        }
    }
}
