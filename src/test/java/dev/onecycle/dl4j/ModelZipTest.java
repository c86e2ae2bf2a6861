package dev.onecycle.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.dataset.api.preprocessor.serializer.NormalizerSerializer;
import org.nd4j.linalg.learning.config.Adam;

/** The one model reader: a model file is data, never code (issue 29). */
class ModelZipTest {
    @TempDir
    Path tmp;

    /** One model read, so that the timings below do not count loading DL4J's and Jackson's classes. */
    private static final java.util.function.Supplier<Network> WARM_UP = new java.util.function.Supplier<>() {
        private Network read;

        @Override
        public synchronized Network get() {
            if (read == null) {
                try {
                    read = Network.restore(HostileZips.model(trainedMln()), "warm-up.zip");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return read;
        }
    };

    private static Network trainedMln() {
        MultiLayerNetwork n = new MultiLayerNetwork(Fixtures.mlnConf(new Adam(0.01)));
        n.init();
        n.fit(Fixtures.iterator());
        return Network.of(n);
    }

    private static Network trainedGraph() {
        ComputationGraph g = new ComputationGraph(Fixtures.graphConf(new Adam(0.01)));
        g.init();
        g.fit(Fixtures.iterator());
        return Network.of(g);
    }

    /**
     * Refused with the entry named, in well under a second of work (CPU time of this thread, once DL4J's classes
     * are loaded: the machine may be busy), nothing deserialized.
     */
    static RefusedModelException refusedQuickly(byte[] zip, String entry) {
        WARM_UP.get();
        int reads = HostileZips.Gadget.READS.get();
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long start = cpu.getCurrentThreadCpuTime();
        RefusedModelException e = assertThrows(RefusedModelException.class, () -> Network.restore(zip, "m.zip"));
        long ms = (cpu.getCurrentThreadCpuTime() - start) / 1_000_000;
        assertTrue(ms < 500, "refused in " + ms + " ms of CPU time");
        assertEquals(entry, e.entry());
        assertTrue(e.getMessage().startsWith("m.zip: refused") && e.getMessage().contains(entry), e.getMessage());
        assertEquals(reads, HostileZips.Gadget.READS.get(), "nothing was deserialized");
        return e;
    }

    @Test
    void modelsReadBackBitwiseAsDl4jReadsThem() throws Exception {
        for (Network net : new Network[] {trainedMln(), trainedGraph()}) {
            byte[] zip = HostileZips.model(net);
            Network back = Network.restore(zip, "m.zip");
            assertEquals(net.isGraph(), back.isGraph());
            assertEquals(net.paramsSha256(), back.paramsSha256());
            assertArrayEquals(Fixtures.floats(net.updaterState()), Fixtures.floats(back.updaterState()));
            assertEquals(net.configurationJson(), back.configurationJson());
            // what DL4J's own reader makes of the same file
            Network dl4j = net.isGraph()
                    ? Network.of(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), true))
                    : Network.of(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), true));
            assertEquals(dl4j.paramsSha256(), back.paramsSha256());
            assertArrayEquals(Fixtures.floats(dl4j.updaterState()), Fixtures.floats(back.updaterState()));
            // and a zip written by DL4J's ModelSerializer itself
            File file = tmp.resolve(net.isGraph() ? "graph.zip" : "mln.zip").toFile();
            ModelSerializer.writeModel(net.model(), file, true);
            assertEquals(net.paramsSha256(), Network.restore(file).paramsSha256());
        }
    }

    @Test
    void aPreprocessorEntryIsRefusedBeforeAnyObjectIsRead() throws Exception {
        byte[] model = HostileZips.model(trainedMln());
        // DL4J's own reader deserializes it: the gadget runs, an unknown class is looked up
        int reads = HostileZips.Gadget.READS.get();
        assertThrows(ClassCastException.class, () -> ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(
                HostileZips.withEntry(model, "preprocessor.bin", HostileZips.gadget())), true));
        assertEquals(reads + 1, HostileZips.Gadget.READS.get(), "the test's gadget is observable");
        RuntimeException cnf = assertThrows(RuntimeException.class, () -> ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(HostileZips.withEntry(model, "preprocessor.bin", HostileZips.unknownClass())),
                true));
        assertTrue(String.valueOf(cnf.getCause()).contains("Nowher"), String.valueOf(cnf.getCause()));

        String msg = refusedQuickly(HostileZips.withEntry(model, "preprocessor.bin", HostileZips.gadget()),
                "preprocessor.bin").getMessage();
        assertTrue(msg.contains("Java deserialization") && msg.contains("zip -d m.zip preprocessor.bin"), msg);
        refusedQuickly(HostileZips.withEntry(model, "preprocessor.bin", HostileZips.unknownClass()), "preprocessor.bin");
        byte[] bomb = HostileZips.deserializationBomb();
        assertTrue(bomb.length < 8000, bomb.length + " bytes");
        refusedQuickly(HostileZips.withEntry(model, "preprocessor.bin", bomb), "preprocessor.bin");
        refusedQuickly(HostileZips.withEntry(model, "objects/key", HostileZips.gadget()), "objects/key");
        refusedQuickly(HostileZips.withEntry(model, "notes.txt", new byte[] {1}), "notes.txt");
    }

    @Test
    void aNormalizerSavedWithTheModelIsRefused() throws Exception {
        NormalizerStandardize normalizer = new NormalizerStandardize();
        normalizer.fit(Fixtures.iterator());
        // what ModelSerializer.writeModel(model, file, true, normalizer) writes (in 1.0.0-M2.1 it fails after it)
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NormalizerSerializer.getDefault().write(normalizer, bytes);
        byte[] zip = HostileZips.withEntry(HostileZips.model(trainedMln()), "normalizer.bin", bytes.toByteArray());
        String msg = refusedQuickly(zip, "normalizer.bin").getMessage();
        assertTrue(msg.contains("NormalizerSerializer"), msg);
    }

    @Test
    void zipBombsAreRefusedBeforeTheyAreInflated() throws Exception {
        byte[] model = HostileZips.model(trainedMln());
        // 64 MiB of zeros as the coefficients of a 67-parameter network: ~64 KB on disk
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("configuration.json"));
            zip.write(trainedMln().configurationJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("coefficients.bin"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                zip.write(zeros);
            }
        }
        assertTrue(out.size() < 1 << 20, out.size() + " bytes");
        String msg = refusedQuickly(out.toByteArray(), "coefficients.bin").getMessage();
        assertTrue(msg.contains("inflates to more than"), msg);

        // thousands of entries: refused at the first one, nothing more is read
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(many)) {
            for (int i = 0; i < 5000; i++) {
                zip.putNextEntry(new ZipEntry("e" + i));
            }
        }
        refusedQuickly(many.toByteArray(), "e0");
        // an entry twice (DL4J's reader keeps the last): ZipOutputStream will not write it, so rename in place
        byte[] twice = HostileZips.withEntry(model, "updaterState.biX", new byte[] {1});
        replaceAll(twice, "updaterState.biX", "updaterState.bin");
        msg = refusedQuickly(twice, "updaterState.bin").getMessage();
        assertTrue(msg.contains("appears twice"), msg);
    }

    private static void replaceAll(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] t = to.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i + f.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, bytes, i, t.length);
            }
        }
    }

    @Test
    void anArrayHeaderClaimingMoreValuesThanItHoldsIsRefusedBeforeAllocation() throws Exception {
        Network net = trainedMln();
        ByteArrayOutputStream array = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(array);
        // shape information of a [67] float vector: rank 1, shape, stride, extras, ews, order
        data.writeUTF("LONG_SHAPE");
        data.writeLong(6);
        data.writeUTF("LONG");
        for (long v : new long[] {1, 67, 1, 8192 * 2, 1, 99}) {
            data.writeLong(v);
        }
        data.writeUTF("MIXED_DATA_TYPES");
        data.writeLong(1L << 40); // a terabyte of floats claimed, 8 bytes present
        data.writeUTF("FLOAT");
        data.writeLong(0);
        data.flush();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("configuration.json"));
            zip.write(net.configurationJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("coefficients.bin"));
            zip.write(array.toByteArray());
        }
        String msg = refusedQuickly(out.toByteArray(), "coefficients.bin").getMessage();
        assertTrue(msg.contains("declares 1099511627776 values"), msg);
        ByteArrayOutputStream truncated = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(truncated)) {
            zip.putNextEntry(new ZipEntry("configuration.json"));
            zip.write(net.configurationJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("coefficients.bin"));
            zip.write(1);
        }
        msg = refusedQuickly(truncated.toByteArray(), "coefficients.bin").getMessage();
        assertTrue(msg.contains("is not an ND4J array"), msg);
    }

    @Test
    void notAZipOrNoModelIsAPlainErrorNamingTheFile() {
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> Network.restore(new byte[] {'P', 'K', 1, 2}, "x.zip"));
        assertTrue(e.getMessage().startsWith("x.zip is not a DL4J model"), e.getMessage());
        e = assertThrows(java.io.IOException.class, () -> Network.restore("hello".getBytes(), "y.zip"));
        assertTrue(e.getMessage().startsWith("y.zip is not a DL4J model"), e.getMessage());
    }
}
