package dev.onecycle.data;

import java.util.Locale;

/**
 * The data formats {@code --data} reads. Files may be on any Hadoop file system (file://, hdfs://, s3a://).
 *
 * <ul>
 *   <li>{@link #IDX}: a folder with MNIST / Fashion-MNIST {@code train-} and {@code t10k-}
 *       {@code images-idx3-ubyte} / {@code labels-idx1-ubyte} files, gzip or not; pixels are scaled to [0, 1].</li>
 *   <li>{@link #LIBSVM}: {@code label index:value ...} lines (1-based ascending indices), read with Spark MLlib's
 *       {@code libsvm} data source; names ending {@code .libsvm}, {@code .svm} or {@code .txt}.</li>
 *   <li>{@link #CSV}: a header row, a label column (default {@code label}) and numeric feature columns;
 *       names ending {@code .csv} (optionally {@code .csv.gz}).</li>
 *   <li>{@link #PARQUET}: a Spark ML vector column (default {@code features}) and a numeric label column
 *       (default {@code label}); names ending {@code .parquet}.</li>
 * </ul>
 *
 * Feature values of LIBSVM, CSV and Parquet data are used as they are (no scaling).
 */
public enum DataFormat {
    IDX, LIBSVM, CSV, PARQUET;

    /** The allowed values of {@code --data-format}, for messages. */
    public static final String ALLOWED = "idx, libsvm, csv, parquet";

    /** The lower-case name used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a {@code --data-format} value (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value and listing the allowed ones
     */
    public static DataFormat parse(String value) {
        if (value != null) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            for (DataFormat f : values()) {
                if (f.id().equals(v)) {
                    return f;
                }
            }
            if (v.equals("svm") || v.equals("svmlight")) {
                return LIBSVM;
            }
        }
        throw new IllegalArgumentException("unknown data format '" + value + "'; expected one of " + ALLOWED);
    }

    /**
     * The format a file or folder name says, from its extension ({@code .gz}, {@code .bz2}, {@code .deflate},
     * {@code .snappy}, {@code .lz4} and {@code .zst} compression suffixes are looked through), or null.
     */
    public static DataFormat fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String c : new String[] {".gz", ".bz2", ".deflate", ".snappy", ".lz4", ".zst"}) {
            if (n.endsWith(c) && !n.endsWith(".parquet" + c)) {
                n = n.substring(0, n.length() - c.length());
                break;
            }
        }
        if (n.endsWith(".parquet")) {
            return PARQUET;
        }
        if (n.endsWith(".csv")) {
            return CSV;
        }
        if (n.endsWith(".libsvm") || n.endsWith(".svm") || n.endsWith(".txt")) {
            return LIBSVM;
        }
        if (n.contains("-idx1-ubyte") || n.contains("-idx3-ubyte")) {
            return IDX;
        }
        return null;
    }
}
