package dev.onecycle.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Where {@code --data} points, resolved in two steps so that bad input fails before Spark starts:
 * {@link #resolve} (Hadoop file system only: the path exists, its format, its train/test layout) and
 * {@link #load} (reads; LIBSVM and Parquet through Spark, IDX and CSV without it).
 *
 * <p>Layouts (any Hadoop path):
 * <ul>
 *   <li>an IDX folder: {@code train-} and {@code t10k-} {@code images-idx3-ubyte} / {@code labels-idx1-ubyte}
 *       ({@code .gz} or not): the t10k pair is the test set;</li>
 *   <li>a folder holding exactly one entry named {@code train} or {@code train.*} and one named {@code test} or
 *       {@code test.*} (files, or folders of part files such as Spark writes): those are the training and test
 *       sets;</li>
 *   <li>anything else, a single file or a folder of part files (read in name order, files starting with
 *       {@code _} or {@code .} skipped): one data set, split by {@link #split}: a seeded random
 *       {@link DataOptions#testFraction()} (default 20%) is the test set.</li>
 * </ul>
 * The format is the one given ({@link DataFormat#parse}) or detected from the names: an IDX folder, or the
 * extension of the file / of the train entry / of the files in the folder ({@code .libsvm .svm .txt}, {@code .csv},
 * {@code .parquet}, compressed or not).
 */
public final class DataSource {
    /**
     * The parameter that names the format, as this library's messages name it; an application substitutes its
     * own name for it (the {@code onecycle train} job: {@code --data-format}).
     */
    public static final String FORMAT_PARAMETER = "dataFormat";

    private final Path path;
    private final DataFormat format;
    private final Path train;
    private final Path test; // null: split `train`
    private final DataOptions options;
    private final Configuration hadoop;

    private DataSource(Path path, DataFormat format, Path train, Path test, DataOptions options,
            Configuration hadoop) {
        this.path = path;
        this.format = format;
        this.train = train;
        this.test = test;
        this.options = options;
        this.hadoop = hadoop;
    }

    /**
     * Finds the data at {@code location} without reading it: checks that it exists and is not empty, and fixes
     * its format ({@code format}, or detected when null) and its train/test layout.
     *
     * @throws IOException with a one-line message naming the path and the problem
     */
    public static DataSource resolve(String location, DataFormat format, DataOptions options, Configuration hadoop)
            throws IOException {
        Path p = new Path(location);
        FileSystem fs;
        try {
            fs = p.getFileSystem(hadoop);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot open the file system of " + location + ": " + e.getMessage(), e);
        }
        if (!fs.exists(p)) {
            throw new IOException("data path " + location + " does not exist");
        }
        p = fs.makeQualified(p);
        FileStatus st = fs.getFileStatus(p);
        if (!st.isDirectory()) {
            if (format == DataFormat.IDX || (format == null && DataFormat.fromName(p.getName()) == DataFormat.IDX)) {
                throw new IOException("data path " + p + " is a file; IDX data is the folder holding "
                        + "train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz) "
                        + "and t10k-labels-idx1-ubyte(.gz)");
            }
            DataFormat f = format != null ? format : detect(fs, p);
            checkNotEmpty(fs, p);
            return new DataSource(p, f, p, null, options, hadoop);
        }
        List<FileStatus> children = visible(fs, p);
        FileStatus trainEntry = named(children, "train", p);
        FileStatus testEntry = named(children, "test", p);
        if (trainEntry != null && testEntry != null) {
            if (format == DataFormat.IDX) {
                throw new IOException("data folder " + p + " holds train/test entries, not the IDX files "
                        + "train-images-idx3-ubyte(.gz) ...; give another " + FORMAT_PARAMETER + " or folder");
            }
            DataFormat f = format != null ? format : detect(fs, trainEntry.getPath());
            checkNotEmpty(fs, trainEntry.getPath());
            checkNotEmpty(fs, testEntry.getPath());
            return new DataSource(p, f, trainEntry.getPath(), testEntry.getPath(), options, hadoop);
        }
        boolean idx = children.stream().anyMatch(c -> c.getPath().getName().startsWith("train-images-idx3-ubyte"));
        if (format == DataFormat.IDX || (format == null && idx)) {
            return new DataSource(p, DataFormat.IDX, p, null, options, hadoop);
        }
        if (trainEntry != null || testEntry != null) {
            throw new IOException("data folder " + p + " has a " + (trainEntry != null ? "train" : "test")
                    + " entry but no " + (trainEntry != null ? "test" : "train") + " entry; give both, or one data "
                    + "set to be split");
        }
        DataFormat f = format != null ? format : detect(fs, p);
        checkNotEmpty(fs, p);
        return new DataSource(p, f, p, null, options, hadoop);
    }

    /** The qualified path given. */
    public Path path() {
        return path;
    }

    public DataFormat format() {
        return format;
    }

    /** The training set's file or folder (the whole data set when it is split). */
    public Path trainPath() {
        return train;
    }

    /** The test set's file or folder; null when the test set is split off {@link #trainPath()}. */
    public Path testPath() {
        return test;
    }

    /** True for LIBSVM and Parquet: {@link #load} then needs a SparkSession. */
    public boolean needsSpark() {
        return format == DataFormat.LIBSVM || format == DataFormat.PARQUET;
    }

    /**
     * Reads the data. {@code spark} is only called for LIBSVM and Parquet ({@link #needsSpark()}).
     *
     * @throws IOException ({@link DataFormatException} for bad content) with a message naming the file and the
     *     problem
     */
    public TrainTestData load(Supplier<SparkSession> spark) throws IOException {
        if (format == DataFormat.IDX) {
            return TrainTestData.of(FashionMnist.fromDirectory(path, hadoop));
        }
        if (test != null) {
            LabeledArrays[] both = read(spark, train, test);
            return TrainTestData.of(path.toString(), format, both[0], both[1]);
        }
        LabeledArrays all = read(spark, train)[0];
        if (all.size() < 2) {
            throw new DataFormatException(train + ": " + all.size() + " example; at least 2 are needed to split off "
                    + "a test set (or give a folder with train.* and test.* files)");
        }
        int[][] parts = split(all.size(), options.testFraction(), options.splitSeed());
        return TrainTestData.of(path.toString(), format, LabeledArrays.select(all, parts[0]),
                LabeledArrays.select(all, parts[1]));
    }

    private LabeledArrays[] read(Supplier<SparkSession> spark, Path... paths) throws IOException {
        switch (format) {
            case CSV: {
                LabeledArrays[] out = new LabeledArrays[paths.length];
                for (int i = 0; i < paths.length; i++) {
                    out[i] = CsvReader.read(paths[i], hadoop, options);
                }
                return out;
            }
            case LIBSVM:
                return SparkReaders.libsvm(spark, hadoop, options, paths);
            case PARQUET: {
                LabeledArrays[] out = new LabeledArrays[paths.length];
                for (int i = 0; i < paths.length; i++) {
                    out[i] = SparkReaders.parquet(spark.get(), options, paths[i]);
                }
                return out;
            }
            default:
                throw new IllegalStateException(format.toString());
        }
    }

    /**
     * The hold-out rule: {@code round(n * testFraction)} examples, at least 1 and at most {@code n - 1}, chosen by
     * a Fisher-Yates shuffle of {@code 0..n-1} with {@code new java.util.Random(seed)} (the first ones drawn are
     * the test set). Returns {train indices, test indices}, each ascending (file order kept).
     */
    public static int[][] split(int n, double testFraction, long seed) {
        if (n < 2) {
            throw new IllegalArgumentException("cannot split " + n + " examples");
        }
        int testCount = (int) Math.max(1, Math.min(n - 1, Math.round(n * testFraction)));
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] testIdx = Arrays.copyOfRange(perm, 0, testCount);
        int[] trainIdx = Arrays.copyOfRange(perm, testCount, n);
        Arrays.sort(testIdx);
        Arrays.sort(trainIdx);
        return new int[][] {trainIdx, testIdx};
    }

    @Override
    public String toString() {
        return path + " (" + format.id() + (test == null ? ", split " + Math.round(options.testFraction() * 100)
                + "% test with seed " + options.splitSeed() : ", " + train.getName() + " / " + test.getName()) + ")";
    }

    /** Non-hidden entries (not starting with {@code _} or {@code .}), by name. */
    static List<FileStatus> visible(FileSystem fs, Path dir) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        for (FileStatus s : fs.listStatus(dir)) {
            String n = s.getPath().getName();
            if (!n.startsWith("_") && !n.startsWith(".")) {
                out.add(s);
            }
        }
        out.sort(Comparator.comparing(s -> s.getPath().getName()));
        return out;
    }

    /** The data files of a file or folder (one level, visible, non-empty or not), in name order. */
    static List<Path> dataFiles(FileSystem fs, Path p) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!fs.getFileStatus(p).isDirectory()) {
            out.add(p);
            return out;
        }
        for (FileStatus s : visible(fs, p)) {
            if (s.isFile()) {
                out.add(s.getPath());
            }
        }
        return out;
    }

    private static FileStatus named(List<FileStatus> children, String stem, Path dir) throws IOException {
        FileStatus found = null;
        for (FileStatus c : children) {
            String n = c.getPath().getName();
            if (n.equals(stem) || n.startsWith(stem + ".")) {
                if (found != null) {
                    throw new IOException("data folder " + dir + " has two " + stem + " entries: "
                            + found.getPath().getName() + " and " + n);
                }
                found = c;
            }
        }
        return found;
    }

    private static DataFormat detect(FileSystem fs, Path p) throws IOException {
        DataFormat byName = DataFormat.fromName(p.getName());
        if (byName != null && byName != DataFormat.IDX) {
            return byName;
        }
        if (fs.getFileStatus(p).isDirectory()) {
            TreeSet<String> seen = new TreeSet<>();
            DataFormat found = null;
            for (Path f : dataFiles(fs, p)) {
                DataFormat d = DataFormat.fromName(f.getName());
                seen.add(d == null ? "unknown (" + f.getName() + ")" : d.id());
                found = d;
            }
            if (seen.size() == 1 && found != null && found != DataFormat.IDX) {
                return found;
            }
            if (seen.isEmpty()) {
                throw new DataFormatException("data folder " + p + " holds no data files");
            }
            throw new IOException("cannot tell the format of the data folder " + p + " (its files look like "
                    + String.join(", ", seen) + "); give " + FORMAT_PARAMETER + ", one of " + DataFormat.ALLOWED);
        }
        throw new IOException("cannot tell the format of " + p + " from its name; name it .libsvm/.svm/.txt, .csv or "
                + ".parquet, or give " + FORMAT_PARAMETER + ", one of " + DataFormat.ALLOWED);
    }

    private static void checkNotEmpty(FileSystem fs, Path p) throws IOException {
        List<Path> files = dataFiles(fs, p);
        if (files.isEmpty()) {
            throw new DataFormatException("data folder " + p + " holds no data files");
        }
        long bytes = 0;
        for (Path f : files) {
            bytes += fs.getFileStatus(f).getLen();
        }
        if (bytes == 0) {
            throw new DataFormatException(p + " is empty (no examples)");
        }
    }
}
