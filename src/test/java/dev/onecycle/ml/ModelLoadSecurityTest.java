package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.HostileZips;
import dev.onecycle.dl4j.Network;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The estimator's loads (a saved {@link OneCycleClassificationModel}, a classifier's {@code initialModel}, a saved
 * {@link PipelineModel}) refuse a model zip carrying an entry DL4J would Java-deserialize, naming it, before any
 * object is read (issue 29).
 */
class ModelLoadSecurityTest {
    @AfterAll
    static void stopSpark() {
        Frames.stop();
    }

    private static void poison(Path savedModel) throws Exception {
        Path zip = savedModel.resolve("model/model.zip");
        Files.write(zip, HostileZips.withEntry(Files.readAllBytes(zip), "preprocessor.bin",
                HostileZips.deserializationBomb()));
        Files.deleteIfExists(savedModel.resolve("model/.model.zip.crc")); // Hadoop's local checksum: gone with an edit
    }

    private static void assertRefused(Runnable load) {
        int reads = HostileZips.Gadget.READS.get();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, load::run);
        assertTrue(e.getMessage().contains("model/model.zip: refused entry preprocessor.bin")
                && e.getMessage().contains("Java deserialization"), e.getMessage());
        assertEquals(reads, HostileZips.Gadget.READS.get(), "nothing deserialized");
    }

    @Test
    void savedModelsInitialModelsAndPipelinesWithADeserializingEntryAreRefused(@TempDir Path tmp) throws Exception {
        Frames.spark();
        Network net = FashionMlp.create(784, 8, 10, 3);
        OneCycleClassificationModel model = new OneCycleClassificationModel("oneCycleClassificationModel_sec", net,
                784, 10, null);

        Path saved = tmp.resolve("model");
        model.write().save(saved.toString());
        assertEquals(net.paramsSha256(), OneCycleClassificationModel.load(saved.toString()).network().paramsSha256(),
                "the untouched model loads");
        poison(saved);
        assertRefused(() -> OneCycleClassificationModel.load(saved.toString()));

        Path estimator = tmp.resolve("estimator");
        new OneCycleClassifier().setInitialModel(model).write().save(estimator.toString());
        poison(estimator.resolve("initialModel"));
        assertRefused(() -> OneCycleClassifier.load(estimator.toString()));

        Path pipeline = tmp.resolve("pipeline");
        new PipelineModel("pipelineModel_sec", new Transformer[] {model}).write().save(pipeline.toString());
        Path stage;
        try (var stages = Files.list(pipeline.resolve("stages"))) {
            stage = stages.findFirst().orElseThrow();
        }
        poison(stage);
        assertRefused(() -> PipelineModel.load(pipeline.toString()));
        new Pipeline().setStages(new PipelineStage[] {new OneCycleClassifier()}); // the estimator stays usable
    }
}
