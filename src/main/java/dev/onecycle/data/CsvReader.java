package dev.onecycle.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Reads CSV classification data from any Hadoop path, on the driver: a header row, the label column (by name)
 * and every other column a numeric feature. A folder is read file by file in name order (each file with its own
 * header, all headers equal). Compressed files ({@code .gz}, {@code .bz2}, ...) are decompressed by Hadoop's codec
 * for their extension. Fields may be double-quoted. Read without Spark so that every error names the file, the
 * line and the column.
 */
final class CsvReader {
    private CsvReader() {
    }

    static LabeledArrays read(Path path, Configuration hadoop, DataOptions options) throws IOException {
        FileSystem fs = path.getFileSystem(hadoop);
        CompressionCodecFactory codecs = new CompressionCodecFactory(hadoop);
        List<String> header = null;
        Path headerFile = null;
        int labelCol = -1;
        FloatBuffer x = new FloatBuffer();
        IntBuffer y = new IntBuffer();
        for (Path file : DataSource.dataFiles(fs, path)) {
            CompressionCodec codec = codecs.getCodec(file);
            try (InputStream raw = fs.open(file);
                    InputStream in = codec == null ? raw : codec.createInputStream(raw);
                    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
                String line = r.readLine();
                int lineNo = 1;
                while (line != null && line.isBlank()) {
                    line = r.readLine();
                    lineNo++;
                }
                if (line == null) {
                    continue; // an empty part file
                }
                List<String> h = split(stripBom(line), file, lineNo);
                if (header == null) {
                    header = h;
                    headerFile = file;
                    labelCol = labelColumn(h, file, options.labelColumn());
                } else if (!h.equals(header)) {
                    throw new DataFormatException(file + ": header " + h + " differs from the header of " + headerFile
                            + " " + header);
                }
                float[] row = new float[header.size() - 1];
                while ((line = r.readLine()) != null) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    List<String> v = split(line, file, lineNo);
                    if (v.size() != header.size()) {
                        throw new DataFormatException(file + " line " + lineNo + ": " + v.size()
                                + " values, but the header has " + header.size() + " columns");
                    }
                    int k = 0;
                    for (int c = 0; c < v.size(); c++) {
                        String where = file + " line " + lineNo + ", column '" + header.get(c) + "'";
                        double d = number(v.get(c), where);
                        if (c == labelCol) {
                            y.add(options.classIndex(d, where));
                        } else {
                            row[k++] = float32(d, v.get(c).trim(), where);
                        }
                    }
                    x.add(row);
                }
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                throw new DataFormatException(file + ": corrupt compressed data (" + e.getMessage() + ")");
            } catch (DataFormatException e) {
                throw e;
            } catch (IOException e) { // Hadoop's gzip codec: "gzip stream CRC failure" and the like, without the file
                throw new DataFormatException(file + ": cannot read it (" + e.getMessage() + "); a damaged file?");
            }
        }
        if (header == null || y.size == 0) {
            throw new DataFormatException(path + ": no examples (CSV data needs a header row and at least one row of "
                    + "values)");
        }
        return new LabeledArrays(x.toArray(), y.toArray(), header.size() - 1);
    }

    private static int labelColumn(List<String> header, Path file, String label) throws DataFormatException {
        int at = header.indexOf(label);
        if (at < 0) {
            boolean numeric = header.stream().allMatch(CsvReader::isNumber);
            throw new DataFormatException(file + ": no column '" + label + "' in the header " + header
                    + (numeric ? " (the first line looks like data: CSV data needs a header row)"
                            : "; name the label column"));
        }
        if (header.indexOf(label) != header.lastIndexOf(label)) {
            throw new DataFormatException(file + ": the header has two columns named '" + label + "'");
        }
        if (header.size() < 2) {
            throw new DataFormatException(file + ": the header has only the label column '" + label
                    + "'; every other column is a feature and there is none");
        }
        return at;
    }

    private static double number(String s, String where) throws DataFormatException {
        String t = s.trim();
        if (t.isEmpty()) {
            throw new DataFormatException(where + ": empty value; every value must be a number");
        }
        double d;
        try {
            d = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new DataFormatException(where + ": '" + t + "' is not a number");
        }
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new DataFormatException(where + ": '" + t + "' is not a finite number");
        }
        return d;
    }

    /**
     * {@code d} as the 32-bit float the network trains on; a value beyond float32's range (|d| > 3.4028235e38,
     * finite as a double) would become Infinity, so it is bad input, refused naming {@code where}.
     */
    static float float32(double d, String text, String where) throws DataFormatException {
        String problem = Float32.problem(d);
        if (problem != null) {
            throw new DataFormatException(where + ": '" + text + "' is " + problem);
        }
        return (float) d;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    /** Splits one line on commas; a field may be double-quoted ({@code ""} inside is a quote). */
    static List<String> split(String line, Path file, int lineNo) throws DataFormatException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(ch);
                }
            } else if (ch == ',') {
                out.add(wasQuoted ? cur.toString() : cur.toString().trim());
                cur.setLength(0);
                wasQuoted = false;
            } else if (ch == '"' && cur.toString().isBlank()) {
                quoted = true;
                wasQuoted = true;
                cur.setLength(0);
            } else if (ch != '\r') {
                cur.append(ch);
            }
        }
        if (quoted) {
            throw new DataFormatException(file + " line " + lineNo + ": unterminated quoted field");
        }
        out.add(wasQuoted ? cur.toString() : cur.toString().trim());
        return out;
    }

    private static final class FloatBuffer {
        float[] a = new float[1 << 12];
        int size;

        void add(float[] row) {
            if (size + row.length > a.length) {
                long n = Math.max((long) a.length * 2, (long) size + row.length);
                if (n > Integer.MAX_VALUE - 16) {
                    throw new IllegalStateException("too many CSV values for one array on the driver");
                }
                a = Arrays.copyOf(a, (int) n);
            }
            System.arraycopy(row, 0, a, size, row.length);
            size += row.length;
        }

        float[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    private static final class IntBuffer {
        int[] a = new int[1 << 10];
        int size;

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
