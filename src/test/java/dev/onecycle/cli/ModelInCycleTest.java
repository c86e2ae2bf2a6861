package dev.onecycle.cli;

import static dev.onecycle.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.onecycle.dl4j.FashionMlp;
import dev.onecycle.dl4j.Network;
import dev.onecycle.dl4j.OneCycleUpdaters;
import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --model-in} with a model that carries its 1cycle: the run continues that cycle where the model
 * ended, or is refused in one line naming what the model holds and the flags that continue it, unless
 * {@code --new-cycle} asks for a new cycle on its weights. A model without a cycle is a fresh start.
 */
class ModelInCycleTest {
    /** 64 examples over 2 workers in batches of 32: 1 iteration per epoch. */
    private static final List<String> DATA = List.of("--master", "local[2]", "--max-examples", "64", "--workers",
            "2", "--batch-size", "32");

    /** A model at the end of epoch 2 of a 4-epoch cycle with lrMax 0.1 and 1 iteration per epoch. */
    private static Path modelAtEpochTwo(Path dir) throws IOException {
        return modelAtEpochTwo(dir, 1);
    }

    private static Path modelAtEpochTwo(Path dir, int itersPerEpoch) throws IOException {
        Network net = FashionMlp.create(784, 8, 10, 1);
        OneCycleUpdaters.install(net, OneCyclePolicy.builder().setLrMax(0.1).build(),
                CycleSlice.full(4, itersPerEpoch));
        net.setIterationCount(2 * itersPerEpoch);
        net.setEpochCount(2);
        Path model = dir.resolve("model-" + itersPerEpoch + ".zip");
        net.save(model.toFile());
        return model;
    }

    private static CliRun train(Path run, String... args) {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(DATA);
        all.addAll(List.of(args));
        all.addAll(List.of("--run-dir", run.toString()));
        return CliRun.of(all.toArray(new String[0]));
    }

    @Test
    void aModelIsContinuedInItsOwnCycleOrRefusedUnlessNewCycle(@TempDir Path tmp) throws IOException {
        Path model = modelAtEpochTwo(tmp);
        String m = model.toString();
        // the start epoch left at 0: the warm-up again on trained weights
        CliRun r = train(tmp.resolve("a"), "--model-in", m, "--tot-epochs", "4");
        assertRefused(r, "--model-in " + m + " holds epoch 2 of a 4-epoch 1cycle (iteration 2, 1 per epoch;",
                "--start-epoch 0 where the model is at epoch 2", "continue it with --start-epoch 2 and --tot-epochs 4",
                "or add --new-cycle to start a new cycle from its weights");
        assertFalse(Files.exists(tmp.resolve("a")), "nothing written");
        // another cycle length, another policy
        assertRefused(train(tmp.resolve("a"), "--model-in", m, "--tot-epochs", "10", "--start-epoch", "2"),
                "--tot-epochs 10 where the model's cycle has 4");
        assertRefused(train(tmp.resolve("a"), "--model-in", m, "--tot-epochs", "4", "--start-epoch", "2",
                "--lr-max", "0.5"), "--lr-max 0.5 where the model's is 0.1");
        // data that counts another number of iterations per epoch (known once the workers are)
        assertRefused(train(tmp.resolve("a"), "--model-in", modelAtEpochTwo(tmp, 3).toString(), "--tot-epochs", "4",
                "--start-epoch", "2"), "1 iterations per epoch where the model's cycle has 3",
                "--workers and --batch-size");
        assertFalse(Files.exists(tmp.resolve("a")), "nothing written");

        // the slice that continues it trains, from the model's position
        r = train(tmp.resolve("b"), "--model-in", m, "--tot-epochs", "4", "--start-epoch", "2", "--epochs", "1");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        Network continued = Network.restore(tmp.resolve("b/model.zip").toFile());
        assertEquals(3, continued.epochCount());
        assertEquals(3, continued.iterationCount());
        // --lr-max auto continues with the model's lrMax instead of a range test on trained weights
        r = train(tmp.resolve("c"), "--model-in", m, "--tot-epochs", "4", "--start-epoch", "2", "--epochs", "1",
                "--lr-max", "auto");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        assertFalse(Files.exists(tmp.resolve("c/lr-find.csv")), "no range test");
        assertEquals(continued.paramsSha256(), Network.restore(tmp.resolve("c/model.zip").toFile()).paramsSha256());

        // asked for: a new cycle on its weights
        r = train(tmp.resolve("d"), "--model-in", m, "--tot-epochs", "1", Settings.NEW_CYCLE.flag());
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        assertEquals(1, Network.restore(tmp.resolve("d/model.zip").toFile()).epochCount());
        // a model saved inside an epoch (a mid-epoch checkpoint's) continues only from its checkpoint
        Network inside = Network.restore(model.toFile());
        inside.setIterationCount(3);
        Path insideModel = tmp.resolve("inside.zip");
        inside.save(insideModel.toFile());
        assertRefused(train(tmp.resolve("a"), "--model-in", insideModel.toString(), "--tot-epochs", "4",
                "--start-epoch", "2"), "stopped inside that epoch: only its checkpoint continues it (--resume",
                "or add --new-cycle");
        // the finished cycle only trains further in a new one
        assertRefused(train(tmp.resolve("e"), "--model-in", tmp.resolve("d/model.zip").toString(), "--tot-epochs",
                "1"), "holds epoch 1 of a 1-epoch 1cycle", "which it has finished", "add --new-cycle");
    }

    @Test
    void aModelWithoutACycleIsAFreshStart(@TempDir Path tmp) throws IOException {
        Path plain = tmp.resolve("plain.zip");
        FashionMlp.create(784, 8, 10, 1).save(plain.toFile());
        CliRun r = train(tmp.resolve("run"), "--model-in", plain.toString(), "--tot-epochs", "3", "--start-epoch",
                "1", "--epochs", "1");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        assertEquals(2, Network.restore(tmp.resolve("run/model.zip").toFile()).epochCount());
    }
}
