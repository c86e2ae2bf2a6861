package dev.onecycle.dl4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one reader of DL4J model zips ({@code ModelSerializer}'s format): every model and checkpoint read goes
 * through here ({@link Network#restore}). A model file is data, never code:
 * <ul>
 * <li>only the entries a network is built from are admitted: {@code configuration.json} (JSON),
 * {@code coefficients.bin} and {@code updaterState.bin} (ND4J arrays), {@code noParams.marker}. An entry DL4J
 * would Java-deserialize ({@code preprocessor.bin}: {@code ObjectInputStream.readObject}; {@code objects/...}:
 * {@code ModelSerializer.getObjectFromFile}) or instantiate classes named in ({@code normalizer.bin}:
 * {@code NormalizerSerializer}), or any other entry, is refused by name before a byte of it is read;</li>
 * <li>no {@code ObjectInputStream} is ever opened: the network is built here from the admitted entries, as
 * {@code ModelSerializer.restore*} builds it (same configuration parsing, same {@code init(params, false)}, same
 * updater state), so a model reads back bitwise as before;</li>
 * <li>zip bombs are bounded before allocation: at most {@value #MAX_ENTRIES} entries, each entry inflated into a
 * buffer that grows only with the bytes really inflated and stops at its limit ({@code configuration.json}
 * {@value #MAX_CONFIG_BYTES} bytes; the arrays what the configuration's parameter count allows, at most the 2 GiB
 * DL4J itself can read), and each array's header (shape, length) checked against the bytes present before ND4J
 * allocates it.</li>
 * </ul>
 * There is no opt-in: none of the refused entries changes the network DL4J builds ({@code ModelSerializer}
 * discards the {@code preprocessor.bin} object it reads; the normalizer and objects are only returned by other
 * methods, which onecycle never uses). A legacy model carrying one loads once the entry is removed
 * ({@code zip -d model.zip preprocessor.bin}), which is safe to do only for a file one trusts.
 */
public final class ModelZip {
    /** Entries of a model zip beyond which a zip is refused without reading further. */
    public static final int MAX_ENTRIES = 8;
    /** The largest {@code configuration.json} admitted (inflated). */
    public static final int MAX_CONFIG_BYTES = 64 << 20;
    /** The largest array entry admitted (inflated): DL4J reads an entry into one {@code byte[]}. */
    public static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;
    /** Room for an array's header (shape information, allocation mode, type names) beyond its values. */
    private static final long HEADER_BYTES = 64 << 10;
    /** Updater state values per parameter, at most (AMSGrad keeps 3; Adam, Nadam, AdaDelta 2). */
    private static final int MAX_STATES_PER_PARAM = 4;
    private static final int MAX_MARKER_BYTES = 1 << 10;

    private static final String NO_PARAMS = ModelSerializer.NO_PARAMS_MARKER;

    private ModelZip() {
    }

    /** Why an entry a DL4J zip may carry is refused; null for an entry this reader admits. */
    static String refusal(String entry) {
        switch (entry) {
            case ModelSerializer.CONFIGURATION_JSON:
            case ModelSerializer.COEFFICIENTS_BIN:
            case ModelSerializer.UPDATER_BIN:
            case NO_PARAMS:
                return null;
            case ModelSerializer.PREPROCESSOR_BIN:
                return "DL4J reads it with Java deserialization (ObjectInputStream), which can run code";
            case ModelSerializer.NORMALIZER_BIN:
                return "DL4J's NormalizerSerializer instantiates the classes it names";
            default:
                if (entry.startsWith("objects/")) {
                    return "it is a Java-serialized object (ModelSerializer.addObjectToFile)";
                }
                return "a DL4J model zip holds only " + ModelSerializer.CONFIGURATION_JSON + ", "
                        + ModelSerializer.COEFFICIENTS_BIN + ", " + ModelSerializer.UPDATER_BIN + " and " + NO_PARAMS;
        }
    }

    /**
     * Reads a model zip into a network; {@code name} (the file) is used in errors. A zip refused by the rules
     * above is a {@link RefusedModelException} naming the entry; a zip that is no DL4J model an {@link IOException}.
     */
    public static Network read(byte[] zip, String name) throws IOException {
        Map<String, byte[]> entries = entries(zip, name);
        String json = new String(entries.get(ModelSerializer.CONFIGURATION_JSON), StandardCharsets.UTF_8);
        byte[] coefficients = entries.get(ModelSerializer.COEFFICIENTS_BIN);
        byte[] updater = entries.get(ModelSerializer.UPDATER_BIN);
        boolean noParams = entries.containsKey(NO_PARAMS);
        if ((coefficients == null || coefficients.length == 0) && !noParams) {
            throw new IOException(name + " is not a DL4J model saved by ModelSerializer (it has no "
                    + ModelSerializer.COEFFICIENTS_BIN + ")");
        }
        try {
            return Network.of(multiLayer(json, array(coefficients), array(updater)));
        } catch (RuntimeException notMln) {
            try {
                return Network.of(graph(json, array(coefficients), array(updater)));
            } catch (RuntimeException notGraph) {
                IOException e = new IOException(name + " is not a DL4J model saved by ModelSerializer ("
                        + firstLine(notMln) + ")");
                e.addSuppressed(notGraph);
                throw e;
            }
        }
    }

    /** {@code ModelSerializer.restoreMultiLayerNetwork(in, true)}, without its Java deserialization. */
    private static MultiLayerNetwork multiLayer(String json, INDArray params, INDArray state) {
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(json);
        if (params != null) {
            conf.setDataType(params.dataType());
        }
        MultiLayerNetwork net = DataLossNetworks.multiLayer(conf);
        net.init(params, false);
        if (state != null) {
            net.getUpdater().setStateViewArray(net, state, false);
        }
        return net;
    }

    /** {@code ModelSerializer.restoreComputationGraph(in, true)}, without its Java deserialization. */
    private static ComputationGraph graph(String json, INDArray params, INDArray state) {
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json);
        if (conf.getNetworkInputs() == null || conf.getVertices() == null || conf.getVertices().isEmpty()) {
            throw new IllegalArgumentException("Invalid JSON - not a ComputationGraphConfiguration");
        }
        if (params != null) {
            conf.setDataType(params.dataType());
        }
        ComputationGraph net = DataLossNetworks.graph(conf);
        net.init(params, false);
        if (state != null) {
            net.getUpdater().setStateViewArray(state);
        }
        return net;
    }

    /** A fresh array from checked bytes (ND4J's format), or null. */
    private static INDArray array(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(new ByteArrayInputStream(bytes)))) {
            return Nd4j.read(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The admitted entries, each read within its limit; refuses (naming it) the first entry that is not admitted,
     * a repeated entry, too many entries, an entry past its limit and an array whose header claims more than it
     * holds.
     */
    static Map<String, byte[]> entries(byte[] zip, String name) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        long paramsBound = -1; // known once configuration.json is read (it comes first in DL4J's and our zips)
        int count = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String entry = e.getName();
                if (++count > MAX_ENTRIES) {
                    throw new RefusedModelException(entry, name + ": refused: more than " + MAX_ENTRIES
                            + " entries (a DL4J model has at most 4); a model file is data, never code");
                }
                String why = refusal(entry);
                if (why != null) {
                    throw new RefusedModelException(entry, name + ": refused entry " + entry + ": " + why
                            + "; a model file is data, never code. onecycle never uses this entry: if you trust "
                            + "the file, remove it (zip -d " + name + " " + entry + ") and load it again");
                }
                if (entries.containsKey(entry)) {
                    throw new RefusedModelException(entry, name + ": refused: entry " + entry + " appears twice");
                }
                long limit = limit(entry, paramsBound);
                entries.put(entry, inflate(in, entry, limit, name));
                if (entry.equals(ModelSerializer.CONFIGURATION_JSON)) {
                    paramsBound = parameterCount(new String(entries.get(entry), StandardCharsets.UTF_8));
                }
            }
        } catch (ZipException e) {
            throw new IOException(name + " is not a DL4J model saved by ModelSerializer (not a zip: "
                    + e.getMessage() + ")", e);
        }
        if (!entries.containsKey(ModelSerializer.CONFIGURATION_JSON)) {
            throw new IOException(name + " is not a DL4J model saved by ModelSerializer (it has no "
                    + ModelSerializer.CONFIGURATION_JSON + ")");
        }
        for (String array : new String[] {ModelSerializer.COEFFICIENTS_BIN, ModelSerializer.UPDATER_BIN}) {
            byte[] bytes = entries.get(array);
            if (bytes != null) {
                long limit = limit(array, paramsBound);
                if (bytes.length > limit) {
                    throw tooLarge(array, limit, name);
                }
                checkArrayHeader(array, bytes, name);
            }
        }
        return entries;
    }

    private static long limit(String entry, long paramsBound) {
        switch (entry) {
            case ModelSerializer.CONFIGURATION_JSON:
                return MAX_CONFIG_BYTES;
            case NO_PARAMS:
                return MAX_MARKER_BYTES;
            case ModelSerializer.COEFFICIENTS_BIN:
                return paramsBound < 0 ? MAX_ARRAY_BYTES : Math.min(MAX_ARRAY_BYTES, paramsBound * 8 + HEADER_BYTES);
            default: // updaterState.bin
                return paramsBound < 0 ? MAX_ARRAY_BYTES
                        : Math.min(MAX_ARRAY_BYTES, paramsBound * 8 * MAX_STATES_PER_PARAM + HEADER_BYTES);
        }
    }

    private static RefusedModelException tooLarge(String entry, long limit, String name) {
        return new RefusedModelException(entry, name + ": refused: entry " + entry + " inflates to more than "
                + limit + " bytes, more than its configuration's parameters need (a zip bomb?)");
    }

    /** The entry's bytes, inflated chunk by chunk: never more than {@code limit} bytes are held. */
    private static byte[] inflate(InputStream in, String entry, long limit, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(limit, 1 << 16));
        byte[] chunk = new byte[1 << 16];
        long total = 0;
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
            total += n;
            if (total > limit) {
                throw tooLarge(entry, limit, name);
            }
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * The number of parameters the configuration describes (pure arithmetic over its layers, nothing allocated),
     * or {@link #MAX_ARRAY_BYTES} when it is neither kind of configuration (the build fails later, naming why).
     */
    static long parameterCount(String json) {
        long mln = -1;
        try {
            mln = 0;
            for (NeuralNetConfiguration c : MultiLayerConfiguration.fromJson(json).getConfs()) {
                mln += c.getLayer().initializer().numParams(c);
            }
        } catch (RuntimeException notMln) {
            mln = -1;
        }
        long graph = -1;
        try {
            ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json);
            if (conf.getVertices() != null) {
                graph = 0;
                for (GraphVertex v : conf.getVertices().values()) {
                    graph += v.numParams(true);
                }
            }
        } catch (RuntimeException notGraph) {
            graph = -1;
        }
        long n = Math.max(mln, graph);
        return n < 0 ? MAX_ARRAY_BYTES : n;
    }

    /**
     * ND4J's array format ({@code Nd4j.write}): a shape-information buffer then a data buffer, each a header
     * (allocation mode, length, data type) and its values. Checks that each buffer's declared length fits in the
     * bytes present, that the shape is a plausible one and that its element count is the data's length, so
     * {@code Nd4j.read} allocates only what the entry really holds.
     */
    static void checkArrayHeader(String entry, byte[] bytes, String name) throws RefusedModelException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            long[] shapeInfo = readLongs(in);
            long rank = shapeInfo.length == 0 ? -1 : shapeInfo[0];
            if (rank < 0 || rank > 32 || shapeInfo.length != 2 * rank + 4) {
                throw new RefusedModelException(entry, name + ": refused: entry " + entry
                        + " has a malformed array header (shape information of " + shapeInfo.length + " values)");
            }
            long elements = 1;
            for (int i = 1; i <= rank; i++) {
                if (shapeInfo[i] < 0) {
                    throw new RefusedModelException(entry, name + ": refused: entry " + entry
                            + " has a negative dimension");
                }
                elements = Math.multiplyExact(elements, shapeInfo[i]);
            }
            Header data = header(in);
            long needed = Math.multiplyExact(data.length, data.width);
            if (data.length < 0 || needed > in.available()) {
                throw new RefusedModelException(entry, name + ": refused: entry " + entry + " declares "
                        + data.length + " values but holds " + in.available() + " bytes of them");
            }
            if (data.length != elements) {
                throw new RefusedModelException(entry, name + ": refused: entry " + entry + " has a shape of "
                        + elements + " values but " + data.length + " values");
            }
        } catch (IOException | IllegalArgumentException | ArithmeticException e) {
            if (e instanceof RefusedModelException) {
                throw (RefusedModelException) e;
            }
            throw new RefusedModelException(entry, name + ": refused: entry " + entry
                    + " is not an ND4J array (" + (e instanceof EOFException ? "truncated" : e.getMessage()) + ")");
        }
    }

    private record Header(long length, int width, DataType type) {
    }

    private static Header header(DataInputStream in) throws IOException {
        DataBuffer.AllocationMode mode = DataBuffer.AllocationMode.valueOf(in.readUTF());
        long length = mode.ordinal() < DataBuffer.AllocationMode.LONG_SHAPE.ordinal() ? in.readInt() : in.readLong();
        DataType type = DataType.valueOf(in.readUTF());
        return new Header(length, Math.max(1, type.width()), type);
    }

    /** The shape-information buffer (integers of 4 or 8 bytes), its length checked against the bytes present. */
    private static long[] readLongs(DataInputStream in) throws IOException {
        Header h = header(in);
        if (h.length < 0 || h.length > 2 * 32 + 4 || h.length * h.width > in.available()) {
            throw new IOException("shape information of " + h.length + " values");
        }
        long[] values = new long[(int) h.length];
        for (int i = 0; i < values.length; i++) {
            switch (h.type) {
                case LONG:
                    values[i] = in.readLong();
                    break;
                case INT:
                    values[i] = in.readInt();
                    break;
                default:
                    throw new IOException("shape information of type " + h.type);
            }
        }
        return values;
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
