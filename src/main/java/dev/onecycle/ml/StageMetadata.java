package dev.onecycle.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * An ML stage's params on disk in MLlib's own metadata format (what {@code DefaultParamsWriter} writes: a
 * one-line JSON text file {@code <path>/metadata/part-00000} with {@code class}, {@code timestamp},
 * {@code sparkVersion}, {@code uid}, {@code paramMap}, {@code defaultParamMap} and the stage's extra fields), so
 * {@code PipelineModel.load} finds the class and MLlib tools read it; plus the stage's binary files. Written with
 * public API only ({@code Param.jsonEncode}/{@code jsonDecode}); params in {@code skip} (objects, saved beside)
 * are left out.
 */
final class StageMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StageMetadata() {
    }

    /** Writes {@code stage}'s metadata to {@code <path>/metadata}; {@code extra} fields join the top level. */
    @SuppressWarnings("unchecked")
    static void save(Params stage, String path, SparkContext sc, Map<String, Object> extra, Set<String> skip) {
        ObjectNode m = JSON.createObjectNode();
        m.put("class", stage.getClass().getName());
        m.put("timestamp", System.currentTimeMillis());
        m.put("sparkVersion", sc.version());
        m.put("uid", stage.uid());
        ObjectNode set = m.putObject("paramMap");
        ObjectNode defaults = m.putObject("defaultParamMap");
        for (Param<?> p : stage.params()) {
            if (skip.contains(p.name())) {
                continue;
            }
            Param<Object> param = (Param<Object>) p;
            try {
                if (stage.isSet(param)) {
                    set.set(p.name(), JSON.readTree(param.jsonEncode(stage.getOrDefault(param))));
                }
                if (stage.hasDefault(param)) {
                    defaults.set(p.name(), JSON.readTree(param.jsonEncode(stage.getDefault(param).get())));
                }
            } catch (IOException e) {
                throw new IllegalStateException("param " + p.name() + " has no JSON form: " + e.getMessage(), e);
            }
        }
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            m.set(e.getKey(), JSON.valueToTree(e.getValue()));
        }
        try {
            String line = JSON.writeValueAsString(m);
            org.apache.spark.api.java.JavaSparkContext.fromSparkContext(sc).parallelize(List.of(line), 1)
                    .saveAsTextFile(new Path(path, "metadata").toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The metadata at {@code <path>/metadata}; refuses another class's. */
    static JsonNode load(String path, SparkContext sc, Class<?> expected) {
        String line = sc.textFile(new Path(path, "metadata").toString(), 1).first();
        JsonNode m;
        try {
            m = JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(path + "/metadata is not MLlib metadata JSON: " + e.getMessage(), e);
        }
        String cls = m.path("class").asText();
        if (!expected.getName().equals(cls)) {
            throw new IllegalArgumentException(path + " holds a " + cls + ", not a " + expected.getName());
        }
        return m;
    }

    /**
     * Sets the saved defaults and then the saved values on {@code stage} (whose uid must be the saved one);
     * params this release no longer has are refused by name.
     */
    @SuppressWarnings("unchecked")
    static void apply(JsonNode m, Params stage, ParamSetter setter) {
        for (String map : List.of("defaultParamMap", "paramMap")) {
            Iterator<Map.Entry<String, JsonNode>> it = m.path(map).fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!stage.hasParam(e.getKey())) {
                    throw new IllegalArgumentException("saved " + stage.getClass().getSimpleName() + " has param '"
                            + e.getKey() + "' which this release does not know");
                }
                Param<Object> p = (Param<Object>) stage.getParam(e.getKey());
                setter.set(p, p.jsonDecode(e.getValue().toString()), map.equals("defaultParamMap"));
            }
        }
    }

    /** How {@link #apply} sets a value ({@code Params.set}/{@code setDefault} are for the stage itself to call). */
    interface ParamSetter {
        void set(Param<Object> param, Object value, boolean isDefault);
    }

    static void writeBytes(String path, String name, SparkContext sc, byte[] bytes) throws IOException {
        Path file = new Path(path, name);
        FileSystem fs = file.getFileSystem(sc.hadoopConfiguration());
        try (OutputStream out = fs.create(file, false)) {
            out.write(bytes);
        }
    }

    static byte[] readBytes(String path, String name, SparkContext sc) throws IOException {
        Path file = new Path(path, name);
        FileSystem fs = file.getFileSystem(sc.hadoopConfiguration());
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    static boolean exists(String path, String name, SparkContext sc) throws IOException {
        Path file = new Path(path, name);
        return file.getFileSystem(sc.hadoopConfiguration()).exists(file);
    }
}
