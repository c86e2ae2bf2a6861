package dev.onecycle.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * LIBSVM (Spark MLlib's {@code libsvm} data source) and Parquet readers. Rows are collected to the driver and put
 * in a fixed order, file name then position in the file, whatever Spark's partitioning; every Spark error becomes
 * a {@link DataFormatException} naming the path and the cause.
 */
final class SparkReaders {
    private SparkReaders() {
    }

    /** One collected row: its file, its position there and its label and features columns. */
    private record Item(String file, long id, Object label, Object features) {
    }

    /**
     * Reads LIBSVM files. The number of features is the largest feature index over <em>all</em> {@code paths}
     * (LIBSVM is sparse: a test file need not mention the last feature). Every line is checked on the driver first
     * ({@link #scanLibsvm}); the data is held densely, so a width (one stray large index is enough) whose dense
     * array would not fit in the driver's heap is refused there, naming the line, before Spark reads anything.
     */
    static LabeledArrays[] libsvm(java.util.function.Supplier<SparkSession> sparkSession,
            org.apache.hadoop.conf.Configuration hadoop, DataOptions options, Path... paths) throws IOException {
        List<List<Item>> items = new ArrayList<>();
        LibsvmScan scan = new LibsvmScan(); // before Spark starts: a bad line is refused without it
        for (Path p : paths) {
            scanLibsvm(p, hadoop, options.numFeatures(), scan);
        }
        int width = options.numFeatures() > 0 ? options.numFeatures() : (int) scan.widest;
        checkDenseFits(scan, width, options.numFeatures(), Runtime.getRuntime().maxMemory());
        int asked = Math.max(width, 1);
        SparkSession spark = sparkSession.get();
        for (Path p : paths) {
            // numFeatures always given: one width for every file, and no extra pass (nor warning) from Spark
            List<Item> rows = collect(p, "LIBSVM", () -> spark.read().format("libsvm").option("numFeatures", asked)
                    .load(p.toString()), "label", "features");
            for (Item it : rows) {
                width = Math.max(width, ((Vector) it.features()).size());
            }
            items.add(rows);
        }
        LabeledArrays[] out = new LabeledArrays[paths.length];
        for (int k = 0; k < paths.length; k++) {
            List<Item> rows = items.get(k);
            float[] x = new float[dense(paths[k], rows.size(), width)];
            int[] y = new int[rows.size()];
            Map<String, Integer> inFile = new HashMap<>();
            for (int i = 0; i < rows.size(); i++) {
                Item it = rows.get(i);
                String where = where(it, inFile);
                y[i] = options.classIndex(((Number) it.label()).doubleValue(), where);
                Vector v = (Vector) it.features();
                int[] idx;
                double[] val;
                if (v instanceof SparseVector sv) {
                    idx = sv.indices();
                    val = sv.values();
                } else {
                    val = v.toArray();
                    idx = null;
                }
                for (int j = 0; j < val.length; j++) {
                    int col = idx == null ? j : idx[j];
                    x[i * width + col] = finite(val[j], where, "feature " + (col + 1));
                }
            }
            out[k] = new LabeledArrays(x, y, Math.max(width, 1));
        }
        return out;
    }

    /** What {@link #scanLibsvm} found over all files: examples, the widest line and the next widest. */
    static final class LibsvmScan {
        long examples;
        long widest;
        Path widestFile;
        long widestLine;
        long nextWidest;

        void line(Path file, long lineNo, long lastIndex) {
            examples++;
            if (lastIndex > widest) {
                nextWidest = widest;
                widest = lastIndex;
                widestFile = file;
                widestLine = lineNo;
            } else if (lastIndex > nextWidest) {
                nextWidest = lastIndex;
            }
        }
    }

    /**
     * The data is held densely on the driver ({@code examples x width} floats, then copied for the split and the
     * minibatches): refused when that array alone would take more than a quarter of {@code maxHeap} bytes, naming
     * the line whose index makes it that wide. A stray {@code 1000000:1.0} in a 10-feature file ends here in one
     * line instead of an {@code OutOfMemoryError}.
     */
    static void checkDenseFits(LibsvmScan scan, long width, int numFeatures, long maxHeap) throws DataFormatException {
        long values = scan.examples * Math.max(width, 1);
        long bytes = values * Float.BYTES;
        long budget = maxHeap / 4;
        if (values <= Integer.MAX_VALUE - 16 && bytes <= budget) {
            return;
        }
        String size = String.format(java.util.Locale.ROOT, "%,d examples x %,d features are %,.0f MB as dense floats, "
                + "more than a quarter of the driver's %,.0f MB heap", scan.examples, width, bytes / 1e6,
                maxHeap / 1e6);
        if (numFeatures > 0) {
            throw new DataFormatException("numFeatures " + numFeatures + ": " + size + "; give the real number of "
                    + "features, or more driver memory (--driver-memory)");
        }
        throw new DataFormatException(scan.widestFile + " line " + scan.widestLine + ": feature index " + scan.widest
                + " makes the data " + scan.widest + " features wide (the other lines use at most " + scan.nextWidest
                + "): " + size + "; fix that line (LIBSVM indices are one-based feature numbers), or give the driver "
                + "more memory (--driver-memory) if the data really is that wide");
    }

    /**
     * Checks every line of a LIBSVM file (or of the files of a folder, as Spark reads it) on the driver, the way
     * MLlib parses it: a numeric label, then {@code index:value} pairs with one-based, ascending indices and values
     * a 32-bit float holds. A bad line is refused here, naming the file and line, instead of failing a Spark task
     * (whose stack traces the executors would log) in the middle of the read. Adds each example line to
     * {@code scan}.
     */
    static void scanLibsvm(Path p, org.apache.hadoop.conf.Configuration hadoop, int numFeatures, LibsvmScan scan)
            throws IOException {
        org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(hadoop);
        List<Path> files = new ArrayList<>();
        if (!fs.exists(p)) {
            return; // the read reports it
        }
        if (fs.getFileStatus(p).isDirectory()) {
            for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(p)) {
                String n = st.getPath().getName();
                if (st.isFile() && !n.startsWith("_") && !n.startsWith(".")) {
                    files.add(st.getPath());
                }
            }
        } else {
            files.add(p);
        }
        org.apache.hadoop.io.compress.CompressionCodecFactory codecs =
                new org.apache.hadoop.io.compress.CompressionCodecFactory(hadoop);
        for (Path f : files) {
            org.apache.hadoop.io.compress.CompressionCodec codec = codecs.getCodec(f);
            try (java.io.InputStream raw = fs.open(f);
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                            codec == null ? raw : codec.createInputStream(raw),
                            java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                long lineNo = 0;
                while ((line = in.readLine()) != null) {
                    lineNo++;
                    String t = line.trim();
                    String problem = libsvmProblem(t, numFeatures);
                    if (problem != null) {
                        throw new DataFormatException(f + " line " + lineNo + ": cannot read it as LIBSVM (" + problem + ")");
                    }
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        scan.line(f, lineNo, lastIndex(t));
                    }
                }
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                throw new DataFormatException(f + ": corrupt compressed data (" + e.getMessage() + ")");
            } catch (DataFormatException e) {
                throw e;
            } catch (IOException e) { // Hadoop's gzip codec: "gzip stream CRC failure" and the like, without the file
                throw new DataFormatException(f + ": cannot read it (" + e.getMessage() + "); a damaged file?");
            }
        }
    }

    /** The last (largest) feature index of a line {@link #libsvmProblem} accepted; 0 for a line of no features. */
    static long lastIndex(String line) {
        String[] items = line.split(" ");
        for (int i = items.length - 1; i >= 1; i--) {
            if (!items[i].isEmpty()) {
                return Long.parseLong(items[i].split(":")[0]);
            }
        }
        return 0;
    }

    /**
     * What MLlib's LIBSVM parser would fail on in {@code line} (trimmed), or null when it parses; {@code numFeatures}
     * > 0 also bounds the indices. A value that is not a finite 32-bit float (NaN, Infinity, or finite as a double
     * but beyond float32's range, such as {@code 1e39}) is refused too: the network would train on Infinity.
     */
    static String libsvmProblem(String line, int numFeatures) {
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        String[] items = line.split(" ");
        try {
            Double.parseDouble(items[0]);
        } catch (NumberFormatException e) {
            return "label '" + items[0] + "' is not a number";
        }
        long previous = 0;
        for (int i = 1; i < items.length; i++) {
            String item = items[i];
            if (item.isEmpty()) {
                continue;
            }
            String[] iv = item.split(":");
            if (iv.length != 2) {
                return "'" + item + "' is not index:value";
            }
            long index;
            double value;
            try {
                index = Long.parseLong(iv[0]);
                value = Double.parseDouble(iv[1]);
            } catch (NumberFormatException e) {
                return "'" + item + "' is not index:value with an integer index and a numeric value";
            }
            if (index < 1 || index > Integer.MAX_VALUE) {
                return "feature index " + index + " in '" + item + "' is not >= 1 (LIBSVM indices are one-based)";
            }
            if (numFeatures > 0 && index > numFeatures) {
                return "feature index " + index + " is beyond the " + numFeatures + " features asked for";
            }
            if (index <= previous) {
                return "feature index " + index + " follows " + previous + " (LIBSVM indices must ascend)";
            }
            String problem = Float32.problem(value);
            if (problem != null) {
                return "the value of feature " + index + ", '" + iv[1] + "', is " + problem;
            }
            previous = index;
        }
        return null;
    }

    /**
     * Reads Parquet: the features column a Spark ML (or MLlib) {@code Vector} or an array of numbers, all of one
     * size; the label column numeric.
     */
    static LabeledArrays parquet(SparkSession spark, DataOptions options, Path p) throws IOException {
        String fc = options.featuresColumn();
        String lc = options.labelColumn();
        List<Item> rows = collect(p, "Parquet", () -> {
            Dataset<Row> df = spark.read().parquet(p.toString());
            checkParquetSchema(p, df.schema(), fc, lc);
            return df;
        }, lc, fc);
        int width = -1;
        String first = null;
        float[] x = null;
        int[] y = new int[rows.size()];
        Map<String, Integer> inFile = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Item it = rows.get(i);
            String where = where(it, inFile);
            if (it.label() == null) {
                throw new DataFormatException(where + ": label column '" + lc + "' is null");
            }
            y[i] = options.classIndex(((Number) it.label()).doubleValue(), where);
            double[] v = features(it.features(), where, fc);
            if (width < 0) {
                width = v.length;
                first = where;
                if (width == 0) {
                    throw new DataFormatException(where + ": features column '" + fc + "' is empty");
                }
                x = new float[dense(p, rows.size(), width)];
            } else if (v.length != width) {
                throw new DataFormatException(where + ": features column '" + fc + "' has " + v.length
                        + " values but " + first + " has " + width + " (mixed feature sizes)");
            }
            for (int j = 0; j < width; j++) {
                x[i * width + j] = finite(v[j], where, "feature " + j);
            }
        }
        return new LabeledArrays(x, y, width);
    }

    private static void checkParquetSchema(Path p, StructType schema, String fc, String lc)
            throws DataFormatException {
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String c : new String[] {lc, fc}) {
            if (!names.contains(c)) {
                throw new DataFormatException(p + ": no column '" + c + "' (columns: " + String.join(", ", names)
                        + "); name the " + (c.equals(lc) ? "label" : "features") + " column");
            }
        }
        DataType lt = schema.apply(lc).dataType();
        if (!(lt instanceof NumericType)) {
            throw new DataFormatException(p + ": label column '" + lc + "' has type " + lt.simpleString()
                    + "; it must be numeric (integer class indices)");
        }
        DataType ft = schema.apply(fc).dataType();
        boolean vector = ft.equals(SQLDataTypes.VectorType()) || (ft instanceof UserDefinedType<?> u
                && org.apache.spark.mllib.linalg.Vector.class.isAssignableFrom(u.userClass()));
        boolean array = ft instanceof ArrayType a && a.elementType() instanceof NumericType;
        if (!vector && !array) {
            throw new DataFormatException(p + ": features column '" + fc + "' has type " + ft.simpleString()
                    + "; it must be a Spark ML vector or an array of numbers");
        }
    }

    private static double[] features(Object v, String where, String fc) throws DataFormatException {
        if (v == null) {
            throw new DataFormatException(where + ": features column '" + fc + "' is null");
        }
        if (v instanceof Vector mv) {
            return mv.toArray();
        }
        if (v instanceof org.apache.spark.mllib.linalg.Vector old) {
            return old.toArray();
        }
        List<?> list = v instanceof List<?> l ? l : scala.collection.JavaConverters.seqAsJavaList(
                (scala.collection.Seq<?>) v);
        double[] out = new double[list.size()];
        for (int j = 0; j < out.length; j++) {
            Object e = list.get(j);
            if (e == null) {
                throw new DataFormatException(where + ": feature " + j + " of column '" + fc + "' is null");
            }
            out[j] = ((Number) e).doubleValue();
        }
        return out;
    }

    private interface Read {
        Dataset<Row> get() throws DataFormatException;
    }

    /** Reads, selects label and features with their file and position, collects, sorts. */
    private static List<Item> collect(Path p, String format, Read read, String label, String features)
            throws DataFormatException {
        List<Row> rows;
        try (QuietTaskFailures quiet = QuietTaskFailures.mute()) {
            rows = read.get().select(col(label), col(features), input_file_name(), monotonically_increasing_id())
                    .collectAsList();
        } catch (DataFormatException e) {
            throw e;
        } catch (Exception e) { // AnalysisException, SparkException and their causes (Scala: unchecked)
            throw new DataFormatException(p + ": cannot read it as " + format + " (" + reason(e) + ")");
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(p + ": no examples");
        }
        List<Item> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new Item(r.getString(2), r.getLong(3), r.get(0), r.get(1)));
        }
        out.sort(Comparator.comparing(Item::file).thenComparingLong(Item::id));
        return out;
    }

    /** "file example n" (1-based within the file); {@code counts} tracks positions. */
    private static String where(Item it, Map<String, Integer> counts) {
        int n = counts.merge(it.file(), 1, Integer::sum);
        return it.file() + " example " + n;
    }

    /** The size of a dense {@code rows x width} array, refused when one Java array cannot hold it. */
    static int dense(Path p, long rows, long width) throws DataFormatException {
        long n = rows * width;
        long heap = Runtime.getRuntime().maxMemory();
        if (n > Integer.MAX_VALUE - 16 || n * Float.BYTES > heap / 4) { // as LIBSVM's checkDenseFits: no OOM
            throw new DataFormatException(String.format(java.util.Locale.ROOT, "%s: %,d examples of %,d features are "
                    + "%,d values (%,.0f MB as dense floats), too many to hold densely on the driver (a quarter of its "
                    + "%,.0f MB heap at most); use fewer features or give the driver more memory (--driver-memory)",
                    p, rows, width, n, n * 4 / 1e6, heap / 1e6));
        }
        return (int) n;
    }

    private static float finite(double v, String where, String what) throws DataFormatException {
        String problem = Float32.problem(v);
        if (problem != null) {
            throw new DataFormatException(where + ": " + what + " is " + v + ", " + problem);
        }
        return (float) v;
    }

    /** The innermost cause's first line, which is where Spark puts what went wrong. */
    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = String.valueOf(root.getMessage()).split("\n", 2)[0].trim();
        String type = root.getClass().getSimpleName();
        return type.equals("AnalysisException") || type.equals("SparkException") ? msg : type + ": " + msg;
    }
}
