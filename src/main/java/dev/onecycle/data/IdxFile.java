package dev.onecycle.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads an IDX file (the MNIST / Fashion-MNIST format: a magic number {@code 0x0000TTDD} with type
 * {@code TT = 0x08} for unsigned bytes and {@code DD} dimensions, the dimension sizes as big-endian ints, then
 * the data), gzip-compressed or not.
 */
public final class IdxFile {
    /** The largest Java array. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final int[] dims;
    private final byte[] data;

    private IdxFile(int[] dims, byte[] data) {
        this.dims = dims;
        this.data = data;
    }

    /**
     * Reads the whole stream; {@code name} is used in error messages. Refuses anything that is not an unsigned
     * byte IDX file with {@code expectedDims} dimensions, and truncated files.
     */
    public static IdxFile read(InputStream raw, String name, int expectedDims) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = buffered;
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                in = new GZIPInputStream(buffered, 1 << 16);
            } catch (IOException e) {
                throw new DataFormatException(name + ": not a readable gzip file (" + e.getMessage() + ")");
            }
        }
        DataInputStream din = new DataInputStream(in);
        try {
            int magic = din.readInt();
            int type = (magic >>> 8) & 0xff;
            int ndims = magic & 0xff;
            if ((magic >>> 16) != 0 || type != 0x08) {
                throw new DataFormatException(String.format(
                        "%s: not an unsigned-byte IDX file (magic number 0x%08x; expected 0x%08x)", name, magic,
                        0x0800 | expectedDims));
            }
            if (ndims != expectedDims) {
                throw new DataFormatException(name + ": IDX file has " + ndims + " dimensions, expected "
                        + expectedDims);
            }
            int[] dims = new int[ndims];
            for (int i = 0; i < ndims; i++) {
                dims[i] = din.readInt();
                if (dims[i] <= 0) {
                    throw new DataFormatException(name + ": dimension " + i + " has size " + dims[i]);
                }
            }
            long total = 1;
            for (int i = 0; i < ndims; i++) {
                total *= dims[i]; // each factor < 2^31 and total <= MAX_ARRAY before it: no long overflow
                if (total > MAX_ARRAY) { // checked before anything is allocated
                    StringBuilder declared = new StringBuilder();
                    for (int j = 0; j < ndims; j++) {
                        declared.append(j == 0 ? "" : " x ").append(dims[j]);
                    }
                    throw new DataFormatException(name + ": the IDX header declares " + declared + " values, more "
                            + "than one array can hold (" + MAX_ARRAY + "); a corrupt header, or not an IDX file");
                }
            }
            byte[] data = new byte[(int) total];
            din.readFully(data);
            // Read to the end: a gzip stream checks its CRC-32 and length trailer only there, so a flipped byte
            // inside the compressed data would otherwise pass as altered pixels. Bytes past the declared data are
            // refused as well (the header and the file disagree).
            long extra = 0;
            byte[] rest = new byte[8192];
            for (int n; (n = in.read(rest)) > 0;) {
                extra += n;
            }
            if (extra > 0) {
                throw new DataFormatException(name + ": " + extra + " bytes follow the data its IDX header declares ("
                        + total + " values); a corrupt header or file");
            }
            return new IdxFile(dims, data);
        } catch (EOFException e) {
            throw new DataFormatException(name + ": file is truncated (ends before the data its header declares)");
        } catch (java.util.zip.ZipException e) {
            throw new DataFormatException(name + ": corrupt gzip data (" + e.getMessage() + "); the file is damaged: "
                    + "download it again");
        }
    }

    /** The dimension sizes, first one the number of items. */
    public int[] dims() {
        return dims.clone();
    }

    public int items() {
        return dims[0];
    }

    /** The values of one item as unsigned bytes. */
    byte[] data() {
        return data;
    }
}
