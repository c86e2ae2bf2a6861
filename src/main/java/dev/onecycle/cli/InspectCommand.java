package dev.onecycle.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.onecycle.checkpoint.Checkpoint;
import dev.onecycle.checkpoint.CheckpointState;
import dev.onecycle.checkpoint.CheckpointStore;
import dev.onecycle.checkpoint.CorruptCheckpointException;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleLearningRate;
import dev.onecycle.dl4j.OneCycleUpdaters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onecycle inspect PATH}: one JSON object describing a checkpoint folder, a checkpoint dir (its newest
 * valid checkpoint) or a saved {@code model.zip}: epoch, iteration, {@code paramsSha256}, the policy and cycle,
 * and whether the checkpoint's manifest verifies. Exit 0 when it verifies (or for a model), 1 when the
 * checkpoint does not, 2 for a path that is neither.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Describe a checkpoint, a checkpoint dir (its newest valid checkpoint) or a model.zip as JSON.",
            "paramsSha256 is the SHA-256 of the parameters as little-endian float32 ('c' order)."})
public final class InspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", description = "A checkpoint folder, a checkpoint dir or a model.zip (any Hadoop path).")
    String path;

    @Override
    public Integer call() throws IOException {
        Configuration hadoop = new Configuration();
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        if (!fs.exists(p)) {
            throw new CliErrors.UsageException("PATH", "'" + path + "' does not exist");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        int exit = Main.EXIT_OK;
        if (fs.getFileStatus(p).isFile()) {
            Network net;
            try (java.io.InputStream in = fs.open(p)) {
                net = Network.restore(in.readAllBytes(), path);
            } catch (IOException e) {
                throw new CliErrors.UsageException("PATH", e.getMessage());
            }
            json.put("kind", "model");
            json.put("path", fs.makeQualified(p).toString());
            describeModel(json, net);
            json.put("manifestVerified", null);
        } else if (fs.exists(new Path(p, "MANIFEST.json")) || fs.exists(new Path(p, "model.zip"))) {
            CheckpointStore store = CheckpointStore.open(p.getParent().toString(), hadoop);
            json.put("kind", "checkpoint");
            exit = describeCheckpoint(json, store, fs.makeQualified(p), List.of());
        } else {
            CheckpointStore store = CheckpointStore.open(path, hadoop);
            List<String> skipped = new ArrayList<>();
            Optional<Checkpoint> newest = store.newestValid(skipped::add);
            json.put("kind", "checkpointDir");
            json.put("dir", store.dir().toString());
            if (newest.isEmpty()) {
                if (store.candidates().isEmpty()) {
                    throw new CliErrors.UsageException("PATH", "'" + path
                            + "' is neither a model.zip, a checkpoint nor a folder of checkpoints (epoch-NNNN)");
                }
                json.put("manifestVerified", false);
                json.put("valid", false);
                json.put("skipped", skipped);
                exit = Main.EXIT_FAILURE;
            } else {
                exit = describeCheckpoint(json, store, newest.get().path(), skipped);
            }
        }
        spec.commandLine().getOut().println(JSON.writeValueAsString(json));
        spec.commandLine().getOut().flush();
        return exit;
    }

    private static int describeCheckpoint(Map<String, Object> json, CheckpointStore store, Path folder,
            List<String> skipped) throws IOException {
        json.put("path", folder.toString());
        json.put("name", folder.getName());
        if (!skipped.isEmpty()) {
            json.put("skipped", skipped);
        }
        try {
            store.verifyManifest(folder);
        } catch (CorruptCheckpointException e) {
            json.put("manifestVerified", false);
            json.put("valid", false);
            json.put("problem", e.getMessage());
            return Main.EXIT_FAILURE;
        }
        try {
            Checkpoint c = store.verify(folder); // the manifest, state.json and the model all checked
            json.put("manifestVerified", true);
            json.put("valid", true);
            json.putAll(c.state().toJson()); // state.json as this release reads it (verified: paramsSha256 is the model's)
            json.put("round", c.state().round()); // rounds of epoch `epoch` done: > 0 for a mid-epoch checkpoint
            return Main.EXIT_OK;
        } catch (CorruptCheckpointException e) {
            // the files are as the manifest lists them, but they do not agree with each other (a forged or
            // hand-edited checkpoint): say which check failed
            json.put("manifestVerified", true);
            json.put("valid", false);
            json.put("problem", e.getMessage());
            String recorded = recordedParamsSha(fs(store), folder);
            String actual = modelParamsSha(fs(store), folder);
            if (recorded != null && actual != null && !recorded.equals(actual)) {
                json.put("failedCheck", "paramsSha256: state.json records " + recorded + ", the parameters of "
                        + "model.zip hash to " + actual);
                json.put("paramsSha256", recorded);
                json.put("modelParamsSha256", actual);
            } else {
                json.put("failedCheck", e.getMessage().replaceFirst("^\\Q" + folder + "\\E: ", ""));
            }
            return Main.EXIT_FAILURE;
        }
    }

    private static FileSystem fs(CheckpointStore store) throws IOException {
        return store.dir().getFileSystem(new Configuration());
    }

    /** state.json's paramsSha256 as written, or null. */
    private static String recordedParamsSha(FileSystem fs, Path folder) {
        try (java.io.InputStream in = fs.open(new Path(folder, "state.json"))) {
            Object v = new ObjectMapper().readValue(in, Map.class).get("paramsSha256");
            return v instanceof String t ? t : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The SHA-256 of model.zip's parameters, or null when it is no model. */
    private static String modelParamsSha(FileSystem fs, Path folder) {
        try (java.io.InputStream in = fs.open(new Path(folder, "model.zip"))) {
            return Network.restore(in.readAllBytes(), folder + "/model.zip").paramsSha256();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void describeModel(Map<String, Object> json, Network net) {
        json.put("type", net.isGraph() ? "ComputationGraph" : "MultiLayerNetwork");
        json.put("epoch", net.epochCount());
        json.put("iteration", net.iterationCount());
        json.put("paramsSha256", net.paramsSha256());
        json.put("parameters", net.params().length());
        Optional<OneCycleLearningRate> lr = OneCycleUpdaters.learningRateOf(net);
        if (lr.isPresent()) {
            json.put("policy", CheckpointState.policyJson(lr.get().policy()));
            Map<String, Object> cycle = new LinkedHashMap<>();
            cycle.put("totEpochs", lr.get().slice().totEpochs());
            cycle.put("itersPerEpoch", lr.get().slice().itersPerEpoch());
            json.put("cycle", cycle);
        } else {
            json.put("policy", null);
        }
    }
}
