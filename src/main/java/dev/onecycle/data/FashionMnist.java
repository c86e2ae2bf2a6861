package dev.onecycle.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where the training job's default data comes from, in this order: the folder given with {@code --data} (any
 * Hadoop path: file, hdfs, s3a), Debian's {@code dataset-fashion-mnist} package in
 * {@code /usr/share/datasets/fashion-mnist} (60k train + 10k test), or the 10k test set shipped in this jar,
 * split 8,000 for training and 2,000 for testing.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} installs the data set. */
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    /** Training examples taken from the shipped 10k sample; the rest are the test set. */
    public static final int SAMPLE_TRAIN = 8000;
    private static final String SAMPLE = "/dev/onecycle/data/fashion-mnist/";
    private static final int CLASSES = 10;

    private final LabeledImages train;
    private final LabeledImages test;
    private final String source;

    private FashionMnist(LabeledImages train, LabeledImages test, String source) {
        this.train = train;
        this.test = test;
        this.source = source;
    }

    /**
     * The environment variable that names the default data when {@code --data} is not given: {@code sample} (the
     * shipped sample, even where Debian's package is installed: what the test suites set, so that their runs do not
     * depend on the machine) or a folder of the four IDX files (any Hadoop path). Unset or empty: the Debian package
     * if installed, else the sample.
     */
    public static final String DEFAULT_DATA_ENV = "ONECYCLE_DEFAULT_DATA";

    /**
     * Loads from {@code dataDir} if given, else from {@value #DEFAULT_DATA_ENV} if set, else the Debian package if
     * installed, else the shipped sample.
     */
    public static FashionMnist load(String dataDir, Configuration hadoop) throws IOException {
        if (dataDir != null) {
            return fromDirectory(new Path(dataDir), hadoop);
        }
        String chosen = System.getenv(DEFAULT_DATA_ENV);
        if (chosen != null && !chosen.isBlank()) {
            return "sample".equals(chosen.trim()) ? sample() : fromDirectory(new Path(chosen.trim()), hadoop);
        }
        if (Files.isReadable(Paths.get(DEBIAN_DIR, "train-images-idx3-ubyte.gz"))) {
            return fromDirectory(new Path("file://" + DEBIAN_DIR), hadoop);
        }
        return sample();
    }

    /** The 10k Fashion-MNIST test set shipped in the jar: 8,000 to train on and 2,000 to test on. */
    public static FashionMnist sample() throws IOException {
        LabeledImages all = LabeledImages.of(resource("t10k-images-idx3-ubyte.gz", 3), "t10k-images-idx3-ubyte.gz",
                resource("t10k-labels-idx1-ubyte.gz", 1), "t10k-labels-idx1-ubyte.gz", CLASSES);
        return new FashionMnist(all.range(0, SAMPLE_TRAIN), all.range(SAMPLE_TRAIN, all.size()),
                "the Fashion-MNIST sample shipped with onecycle-spark (10k test set: 8,000 train / 2,000 test)");
    }

    /**
     * Reads {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and
     * {@code t10k-labels-idx1-ubyte} (each optionally {@code .gz}) from a folder on any Hadoop file system.
     */
    public static FashionMnist fromDirectory(Path dir, Configuration hadoop) throws IOException {
        FileSystem fs;
        try {
            fs = dir.getFileSystem(hadoop);
        } catch (IOException e) {
            throw new IOException("cannot open file system of " + dir + ": " + e.getMessage(), e);
        }
        if (!fs.exists(dir)) {
            throw new IOException("data folder " + dir + " does not exist");
        }
        if (!fs.getFileStatus(dir).isDirectory()) {
            throw new IOException("data path " + dir + " is a file; give the folder holding "
                    + "train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz) and "
                    + "t10k-labels-idx1-ubyte(.gz)");
        }
        LabeledImages train = pair(fs, dir, "train");
        LabeledImages test = pair(fs, dir, "t10k");
        if (train.features() != test.features()) {
            throw new DataFormatException(dir + ": training images have " + train.features()
                    + " pixels but test images have " + test.features());
        }
        return new FashionMnist(train, test, dir.toString());
    }

    private static LabeledImages pair(FileSystem fs, Path dir, String prefix) throws IOException {
        Path images = find(fs, dir, prefix + "-images-idx3-ubyte");
        Path labels = find(fs, dir, prefix + "-labels-idx1-ubyte");
        return LabeledImages.of(read(fs, images, 3), images.toString(), read(fs, labels, 1), labels.toString(),
                CLASSES);
    }

    private static Path find(FileSystem fs, Path dir, String name) throws IOException {
        for (String candidate : new String[] {name + ".gz", name}) {
            Path p = new Path(dir, candidate);
            if (fs.exists(p)) {
                return p;
            }
        }
        throw new IOException("data folder " + dir + " has no " + name + " or " + name + ".gz");
    }

    private static IdxFile read(FileSystem fs, Path p, int dims) throws IOException {
        try (InputStream in = fs.open(p)) {
            return IdxFile.read(in, p.toString(), dims);
        }
    }

    private static IdxFile resource(String name, int dims) throws IOException {
        try (InputStream in = FashionMnist.class.getResourceAsStream(SAMPLE + name)) {
            if (in == null) {
                throw new IOException("the shipped sample " + SAMPLE + name + " is missing from the classpath");
            }
            return IdxFile.read(in, name, dims);
        }
    }

    public LabeledImages train() {
        return train;
    }

    public LabeledImages test() {
        return test;
    }

    /** Where the data came from, for the log and metrics. */
    public String source() {
        return source;
    }
}
