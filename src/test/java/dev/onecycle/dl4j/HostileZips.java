package dev.onecycle.dl4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Model zips an attacker could hand over: a real model with an entry DL4J would Java-deserialize added. */
public final class HostileZips {
    private HostileZips() {
    }

    /** A class whose deserialization is observable: {@link #READS} counts the instances read back. */
    public static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;
        public static final AtomicInteger READS = new AtomicInteger();

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            READS.incrementAndGet();
        }
    }

    /** {@code model} (a zip's bytes) with one more entry {@code name} holding {@code content}, written last. */
    public static byte[] withEntry(byte[] model, String name, byte[] content) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(model));
                    ZipOutputStream zip = new ZipOutputStream(out)) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    zip.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(zip);
                    zip.closeEntry();
                }
                zip.putNextEntry(new ZipEntry(name));
                zip.write(content);
                zip.closeEntry();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A real model's zip ({@link Network#save}). */
    public static byte[] model(Network network) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            network.save(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] serialize(Object o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A serialized {@link Gadget}: reading it back increments {@link Gadget#READS}. */
    public static byte[] gadget() {
        return serialize(new Gadget());
    }

    /**
     * A serialized object of a class that exists nowhere ({@code ...HostileZips$Gadget} renamed in the stream to a
     * name of the same length): DL4J's reader fails with {@code ClassNotFoundException} naming it.
     */
    public static byte[] unknownClass() {
        byte[] bytes = gadget();
        byte[] from = Gadget.class.getName().getBytes(StandardCharsets.UTF_8);
        byte[] to = Gadget.class.getName().replace("Gadget", "Nowher").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + from.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, bytes, i, to.length);
                return bytes;
            }
        }
        throw new IllegalStateException("class name not in the stream");
    }

    /**
     * The classic deserialization bomb: 100 levels of nested {@code HashSet}s sharing their children (a few KB);
     * reading it back hashes 2^100 paths and never returns.
     */
    public static byte[] deserializationBomb() {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("foo");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        return serialize(root);
    }
}
