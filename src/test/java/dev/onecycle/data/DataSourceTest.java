package dev.onecycle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every format gives the same features and labels as the IDX source for 200 Fashion-MNIST sample images written
 * as LIBSVM, CSV and Parquet; every bad input fails with a message naming the file and the problem.
 */
class DataSourceTest {
    private static final int N = 200;
    private static final Configuration HADOOP = new Configuration();

    private static SparkSession spark;
    private static LabeledData images; // the first N sample images, pixels in [0, 1]

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        images = FashionMnist.sample().train().head(N);
        spark = SparkSession.builder().master("local[1]").appName("DataSourceTest").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", "1").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    // ---- writers -----------------------------------------------------------------------------------------------

    private static String num(float v) {
        return Double.toString(v); // exactly the float
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static String libsvm(LabeledData d, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(d.label(i));
            float[] x = d.featuresOf(i);
            for (int j = 0; j < x.length; j++) {
                if (x[j] != 0) {
                    sb.append(' ').append(j + 1).append(':').append(num(x[j]));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** CSV with the label in column {@code labelAt} named {@code label}. */
    private static String csv(LabeledData d, int from, int to, String label, int labelAt) {
        StringBuilder sb = new StringBuilder();
        List<String> h = new ArrayList<>();
        for (int j = 0; j < d.features(); j++) {
            h.add("p" + j);
        }
        h.add(labelAt, label);
        sb.append(String.join(",", h)).append('\n');
        for (int i = from; i < to; i++) {
            List<String> v = new ArrayList<>();
            for (float f : d.featuresOf(i)) {
                v.add(num(f));
            }
            v.add(labelAt, Integer.toString(d.label(i)));
            sb.append(String.join(",", v)).append('\n');
        }
        return sb.toString();
    }

    private static final StructType VECTOR_SCHEMA = new StructType().add("label", DataTypes.DoubleType)
            .add("features", SQLDataTypes.VectorType());

    private static Path parquet(Path out, LabeledData d, int from, int to) {
        List<Row> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            float[] x = d.featuresOf(i);
            double[] v = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                v[j] = x[j];
            }
            rows.add(RowFactory.create((double) d.label(i), Vectors.dense(v)));
        }
        spark.createDataFrame(rows, VECTOR_SCHEMA).coalesce(1).write().parquet(out.toString());
        return out;
    }

    private static void writeIdx(Path file, int magic, int[] dims, byte[] data) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
                DataOutputStream out = new DataOutputStream(new GZIPOutputStream(raw))) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    private static void idxPair(Path folder, String prefix, LabeledData d) throws IOException {
        byte[] px = new byte[d.size() * 784];
        byte[] lb = new byte[d.size()];
        for (int i = 0; i < d.size(); i++) {
            float[] x = d.featuresOf(i);
            for (int j = 0; j < 784; j++) {
                px[i * 784 + j] = (byte) Math.round(x[j] * 255);
            }
            lb[i] = (byte) d.label(i);
        }
        writeIdx(folder.resolve(prefix + "-images-idx3-ubyte.gz"), 0x803, new int[] {d.size(), 28, 28}, px);
        writeIdx(folder.resolve(prefix + "-labels-idx1-ubyte.gz"), 0x801, new int[] {d.size()}, lb);
    }

    // ---- reading -----------------------------------------------------------------------------------------------

    private static DataSource resolve(Path p, DataFormat f, DataOptions o) throws IOException {
        return DataSource.resolve(p.toUri().toString(), f, o, HADOOP);
    }

    private static TrainTestData load(Path p, DataFormat f, DataOptions o) throws IOException {
        return resolve(p, f, o).load(() -> spark);
    }

    private static void assertSame(LabeledData expected, LabeledData actual) {
        assertEquals(expected.size(), actual.size(), "examples");
        assertEquals(expected.features(), actual.features(), "features");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.label(i), actual.label(i), "label " + i);
            assertArrayEquals(expected.featuresOf(i), actual.featuresOf(i), "features of " + i);
        }
    }

    /** The split the single-data-set rule gives, applied to the IDX images. */
    private static void assertSplitOfImages(TrainTestData d) {
        int[][] parts = DataSource.split(N, DataOptions.DEFAULT_TEST_FRACTION, DataOptions.DEFAULT_SPLIT_SEED);
        assertEquals(160, parts[0].length);
        assertEquals(40, parts[1].length);
        assertSame(LabeledArrays.select(images, parts[0]), d.train());
        assertSame(LabeledArrays.select(images, parts[1]), d.test());
        assertEquals(10, d.classes());
        assertEquals(784, d.features());
    }

    @Test
    void idxFolderIsDetectedAndReadAsBefore() throws IOException {
        idxPair(dir, "train", images.range(0, 150));
        idxPair(dir, "t10k", images.range(150, N));
        DataSource src = resolve(dir, null, DataOptions.defaults());
        assertEquals(DataFormat.IDX, src.format());
        assertTrue(!src.needsSpark());
        TrainTestData d = src.load(() -> {
            throw new AssertionError("IDX needs no Spark");
        });
        assertSame(images.range(0, 150), d.train());
        assertSame(images.range(150, N), d.test());
        assertEquals(10, d.classes());
        assertEquals(150, d.trainDataSets(64).stream().mapToLong(ds -> ds.numExamples()).sum());
        assertEquals(50, d.headTrain(50).trainSize());
    }

    @Test
    void libsvmFileIsSplitDeterministically() throws IOException {
        Path f = write(dir.resolve("fm.libsvm"), libsvm(images, 0, N));
        DataSource src = resolve(f, null, DataOptions.defaults().withNumFeatures(784));
        assertEquals(DataFormat.LIBSVM, src.format());
        assertNull(src.testPath());
        assertSplitOfImages(src.load(() -> spark)); // (width inferred without numFeatures: next test)
    }

    @Test
    void libsvmTrainAndTestGetOneWidthAndClassesOverBoth() throws IOException {
        write(dir.resolve("train.svm"), "0 1:1.5\n1 2:2\n");
        write(dir.resolve("test.svm"), "4 5:1\n");
        TrainTestData d = load(dir, null, DataOptions.defaults());
        assertEquals(5, d.features());
        assertEquals(5, d.classes()); // label 4 only in the test file
        assertArrayEquals(new float[] {1.5f, 0, 0, 0, 0}, d.train().featuresOf(0));
        assertArrayEquals(new float[] {0, 0, 0, 0, 1}, d.test().featuresOf(0));
        fails(dir, null, DataOptions.defaults().withOneBasedLabels(true), "train.svm example 1",
                "label 0 is below 1 (labels were declared 1-based)");
        write(dir.resolve("train.svm"), "1 1:1.5\n2 2:2\n");
        TrainTestData oneBased = load(dir, null, DataOptions.defaults().withOneBasedLabels(true).withNumFeatures(6));
        assertEquals(6, oneBased.features());
        assertEquals(4, oneBased.classes()); // labels 1, 2, 4 -> classes 0, 1, 3
        assertEquals(0, oneBased.train().label(0));
    }

    @Test
    void csvTrainTestFolderWithPartFilesAndNamedLabel() throws IOException {
        // train: two part files (read in name order), label column "y" in the middle
        write(dir.resolve("train/part-00000.csv"), csv(images, 0, 90, "y", 300));
        write(dir.resolve("train/part-00001.csv"), csv(images, 90, 150, "y", 300));
        write(dir.resolve("train/_SUCCESS"), "");
        write(dir.resolve("test.csv"), csv(images, 150, N, "y", 0));
        DataSource src = resolve(dir, null, DataOptions.defaults().withLabelColumn("y"));
        assertEquals(DataFormat.CSV, src.format());
        TrainTestData d = src.load(() -> {
            throw new AssertionError("CSV needs no Spark");
        });
        assertSame(images.range(0, 150), d.train());
        assertSame(images.range(150, N), d.test());
    }

    @Test
    void csvSingleFileGzip() throws IOException {
        Path f = dir.resolve("fm.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(csv(images, 0, N, "label", 784).getBytes(StandardCharsets.UTF_8));
        }
        assertSplitOfImages(load(f, null, DataOptions.defaults()));
    }

    @Test
    void parquetVectorColumnSplitAndTrainTest() throws IOException {
        Path p = parquet(dir.resolve("fm.parquet"), images, 0, N);
        DataSource src = resolve(p, null, DataOptions.defaults());
        assertEquals(DataFormat.PARQUET, src.format());
        assertTrue(src.needsSpark());
        assertSplitOfImages(src.load(() -> spark));

        Path tt = dir.resolve("tt");
        parquet(tt.resolve("train.parquet"), images, 0, 150);
        parquet(tt.resolve("test.parquet"), images, 150, N);
        TrainTestData d = load(tt, null, DataOptions.defaults());
        assertSame(images.range(0, 150), d.train());
        assertSame(images.range(150, N), d.test());
    }

    @Test
    void parquetArrayColumnWithOtherNames() throws IOException {
        StructType schema = new StructType().add("cls", DataTypes.IntegerType)
                .add("x", DataTypes.createArrayType(DataTypes.FloatType)).add("note", DataTypes.StringType);
        List<Row> rows = List.of(RowFactory.create(0, new float[] {1f, 2f}, "a"),
                RowFactory.create(2, new float[] {3f, 4f}, "b"), RowFactory.create(1, new float[] {5f, 6f}, "c"));
        Path out = dir.resolve("arr");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(out.toString());
        write(dir.resolve("arr/.hidden"), "");
        TrainTestData d = load(out, DataFormat.PARQUET,
                DataOptions.defaults().withLabelColumn("cls").withFeaturesColumn("x").withTestFraction(0.34));
        assertEquals(2, d.features());
        assertEquals(3, d.classes());
        assertEquals(2, d.trainSize());
        assertEquals(1, d.testSize());
    }

    @Test
    void splitRule() {
        int[][] a = DataSource.split(10, 0.2, 7);
        int[][] b = DataSource.split(10, 0.2, 7);
        assertArrayEquals(a[0], b[0]);
        assertArrayEquals(a[1], b[1]);
        assertEquals(8, a[0].length);
        assertEquals(2, a[1].length);
        assertEquals(1, DataSource.split(2, 0.2, 7)[1].length);
        assertEquals(1, DataSource.split(3, 0.9, 7)[0].length);
    }

    @Test
    void formatNames() {
        assertEquals(DataFormat.CSV, DataFormat.parse(" CSV "));
        assertEquals(DataFormat.LIBSVM, DataFormat.parse("libsvm"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataFormat.parse("xls"));
        assertEquals("unknown data format 'xls'; expected one of idx, libsvm, csv, parquet", e.getMessage());
        assertEquals(DataFormat.PARQUET, DataFormat.fromName("part-0000.snappy.parquet"));
        assertEquals(DataFormat.LIBSVM, DataFormat.fromName("a9a.txt.bz2"));
        assertNull(DataFormat.fromName("data.json"));
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    private static IOException fails(Path p, DataFormat f, DataOptions o, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> load(p, f, o));
        String m = e.getMessage();
        assertTrue(!m.contains("\n"), "one line: " + m);
        for (String s : fragments) {
            assertTrue(m.contains(s), "message lacks '" + s + "': " + m);
        }
        return e;
    }

    private static IOException fails(Path p, DataFormat f, String... fragments) {
        return fails(p, f, DataOptions.defaults(), fragments);
    }

    @Test
    void csvErrors() throws IOException {
        Path noLabel = write(dir.resolve("nolabel.csv"), "a,b\n1,2\n");
        fails(noLabel, null, "nolabel.csv", "no column 'label'", "[a, b]");
        Path headerless = write(dir.resolve("headerless.csv"), "1,2\n3,4\n");
        fails(headerless, null, "headerless.csv", "needs a header row");
        Path text = write(dir.resolve("text.csv"), "label,a,b\n1,2,3\n0,x1,3\n");
        assertTrue(fails(text, null, "text.csv line 3, column 'a': 'x1' is not a number")
                instanceof DataFormatException);
        Path ragged = write(dir.resolve("ragged.csv"), "label,a,b\n1,2,3\n0,2\n");
        fails(ragged, null, "ragged.csv line 3: 2 values, but the header has 3 columns");
        Path frac = write(dir.resolve("frac.csv"), "label,a\n1,2\n0.5,2\n");
        fails(frac, null, "frac.csv line 3, column 'label'", "not an integer class index");
        Path empty = write(dir.resolve("empty.csv"), "");
        fails(empty, null, "empty.csv", "is empty");
        Path headerOnly = write(dir.resolve("header.csv"), "label,a\n");
        fails(headerOnly, null, "header.csv", "no examples");
        Path oneClass = write(dir.resolve("one.csv"), "label,a\n0,1\n0,2\n0,3\n");
        fails(oneClass, null, "one.csv", "at least two classes");
        Path nan = write(dir.resolve("nan.csv"), "label,a\n0,NaN\n1,2\n");
        fails(nan, null, "nan.csv line 2, column 'a'", "not a finite number");
    }

    @Test
    void libsvmErrors() throws IOException {
        Path csv = write(dir.resolve("really-csv.txt"), "label,a,b\n1,2,3\n");
        fails(csv, null, "really-csv.txt line 1", "cannot read it as LIBSVM", "label 'label,a,b' is not a number");
        Path frac = write(dir.resolve("frac.libsvm"), "1 1:2\n2.5 1:3\n");
        fails(frac, null, "frac.libsvm example 2", "label 2.5 is not an integer class index");
        Path neg = write(dir.resolve("binary.svm"), "-1 1:2\n1 1:3\n");
        fails(neg, null, "binary.svm example 1", "label -1 is negative", "-1/+1");
        Path zeroIndex = write(dir.resolve("zero.svm"), "0 0:2\n1 1:3\n");
        fails(zeroIndex, null, "zero.svm line 1", "cannot read it as LIBSVM", "index 0", "one-based");
        Path negIndex = write(dir.resolve("negative.svm"), "0 1:2\n1 -3:3\n");
        fails(negIndex, null, "negative.svm line 2", "index -3");
        Path descending = write(dir.resolve("descending.svm"), "0 3:2 2:1\n1 1:3\n");
        fails(descending, null, "descending.svm line 1", "index 2 follows 3");
        Path wide = write(dir.resolve("wide.svm"), "0 9:2\n1 1:3\n");
        fails(wide, null, DataOptions.defaults().withNumFeatures(4), "wide.svm line 1", "cannot read it as LIBSVM",
                "index 9 is beyond the 4 features");
    }

    @Test
    void parquetErrors() throws IOException {
        Path p = parquet(dir.resolve("ok.parquet"), images, 0, 5);
        fails(p, null, DataOptions.defaults().withLabelColumn("y"), "ok.parquet", "no column 'y'",
                "columns: label, features");
        fails(p, null, DataOptions.defaults().withFeaturesColumn("label").withLabelColumn("label"), "ok.parquet",
                "features column 'label' has type double", "must be a Spark ML vector");

        Path str = dir.resolve("strlabel.parquet");
        spark.createDataFrame(List.of(RowFactory.create("cat", Vectors.dense(1, 2))),
                new StructType().add("label", DataTypes.StringType).add("features", SQLDataTypes.VectorType()))
                .coalesce(1).write().parquet(str.toString());
        fails(str, null, "strlabel.parquet", "label column 'label' has type string", "must be numeric");

        Path mixed = dir.resolve("mixed.parquet");
        spark.createDataFrame(List.of(RowFactory.create(0.0, Vectors.dense(1, 2)),
                RowFactory.create(1.0, Vectors.dense(1, 2, 3))), VECTOR_SCHEMA).coalesce(1).write()
                .parquet(mixed.toString());
        fails(mixed, null, "mixed.parquet", "example 2: features column 'features' has 3 values", "has 2",
                "mixed feature sizes");

        Path notParquet = write(dir.resolve("fake.parquet"), "label,a\n1,2\n");
        fails(notParquet, null, "fake.parquet", "cannot read it as Parquet");
        fails(dir.resolve("fake.parquet"), DataFormat.CSV, "fake.parquet", "at least 2"); // format given wins

        Path emptyFolder = dir.resolve("nothing.parquet");
        Files.createDirectories(emptyFolder);
        write(emptyFolder.resolve("_SUCCESS"), "");
        fails(emptyFolder, null, "nothing.parquet", "holds no data files");
    }

    @Test
    void layoutAndDetectionErrors() throws IOException {
        fails(dir.resolve("missing"), null, "missing", "does not exist");
        Path json = write(dir.resolve("data.json"), "{}");
        fails(json, null, "data.json", "cannot tell the format", "give dataFormat", "idx, libsvm, csv, parquet");
        Path onlyTrain = dir.resolve("half");
        write(onlyTrain.resolve("train.csv"), "label,a\n0,1\n1,2\n");
        fails(onlyTrain, null, "half", "has a train entry but no test entry");
        Path idxFile = write(dir.resolve("train-images-idx3-ubyte"), "x");
        fails(idxFile, null, "train-images-idx3-ubyte", "is a file", "folder");
        Path mixedFolder = dir.resolve("mixed");
        write(mixedFolder.resolve("a.csv"), "label,a\n0,1\n");
        write(mixedFolder.resolve("b.svm"), "0 1:1\n");
        fails(mixedFolder, null, "mixed", "cannot tell the format", "csv", "libsvm");
        Path idxWanted = dir.resolve("notidx");
        write(idxWanted.resolve("a.csv"), "label,a\n0,1\n");
        fails(idxWanted, DataFormat.IDX, "notidx", "no train-images-idx3-ubyte");
    }
}
