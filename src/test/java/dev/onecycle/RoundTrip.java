package dev.onecycle;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/** Save/load round trips shared by the tests: Java serialisation, and MLlib's save/load of ML stages. */
public final class RoundTrip {
    private RoundTrip() {
    }

    /**
     * Writes {@code value} with Java serialisation (what Spark broadcasts and task closures use) and reads it
     * back into a new object.
     */
    @SuppressWarnings("unchecked")
    public static <T extends Serializable> T javaSerialize(T value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Saves an ML stage under {@code dir}, checks MLlib's writer semantics (a second save to the same path fails,
     * {@code write().overwrite()} replaces it), loads it back with the class's static {@code read()} and
     * {@code load(path)} (as {@code PipelineModel.load} does), and checks the uid and every param: the same
     * values, the same set of defined params. Params holding ML stages compare by uid. In the spirit of Spark's
     * {@code DefaultReadWriteTest.testDefaultReadWrite}. Returns the loaded stage.
     */
    @SuppressWarnings("unchecked")
    public static <T extends org.apache.spark.ml.param.Params & org.apache.spark.ml.util.MLWritable> T mlSaveLoad(
            T stage, java.nio.file.Path dir) throws Exception {
        String path = dir.resolve(stage.uid()).toString();
        stage.save(path);
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> stage.save(path),
                "a second save without overwrite() must refuse the existing path");
        stage.write().overwrite().save(path);
        org.apache.spark.ml.util.MLReader<T> reader = (org.apache.spark.ml.util.MLReader<T>) stage.getClass()
                .getMethod("read").invoke(null);
        T loaded = reader.load(path);
        T again = (T) stage.getClass().getMethod("load", String.class).invoke(null, path);
        org.junit.jupiter.api.Assertions.assertEquals(stage.uid(), loaded.uid());
        org.junit.jupiter.api.Assertions.assertEquals(stage.uid(), again.uid());
        for (org.apache.spark.ml.param.Param<?> p : stage.params()) {
            org.apache.spark.ml.param.Param<Object> param = (org.apache.spark.ml.param.Param<Object>) p;
            org.apache.spark.ml.param.Param<Object> same = (org.apache.spark.ml.param.Param<Object>) loaded.getParam(p.name());
            org.junit.jupiter.api.Assertions.assertEquals(stage.isDefined(param), loaded.isDefined(same), p.name());
            org.junit.jupiter.api.Assertions.assertEquals(stage.isSet(param), loaded.isSet(same), p.name());
            if (stage.isDefined(param)) {
                Object a = stage.getOrDefault(param);
                Object b = loaded.getOrDefault(same);
                if (a instanceof org.apache.spark.ml.util.Identifiable) {
                    org.junit.jupiter.api.Assertions.assertEquals(((org.apache.spark.ml.util.Identifiable) a).uid(),
                            ((org.apache.spark.ml.util.Identifiable) b).uid(), p.name());
                } else {
                    org.junit.jupiter.api.Assertions.assertTrue(java.util.Objects.deepEquals(a, b),
                            p.name() + ": saved " + a + ", loaded " + b);
                }
            }
        }
        return loaded;
    }
}
