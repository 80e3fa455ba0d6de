package org.softprompt.method.prefix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.Gpt2Config;
import org.softprompt.method.Reparam;
import org.softprompt.train.TrainingCheckpoint;

class PrefixInitAndStorageTest {

    /** A prefix initialized from words, positions after it, is exactly the frozen model reading [words; text]. */
    @Test
    void wordInitializedPrefixIsTheFrozenModelOnTheWords() {
        Path dir = PrefixTuningTest.fixture("tiny-gpt2");
        int[] words = {40, 41, 42};
        long[] text = {5, 17, 200, 33};
        try (NDManager m = Engines.newManager(); Gpt2 gpt2 = Gpt2.load(dir, m);
                PrefixTuning prefix = Prefix.on(gpt2).reparam(Reparam.none()).initFromWords(words, "w").build(m)) {
            assertEquals(3, prefix.length());
            NDArray tuned = prefix.forward(ForwardInput.ofIds(m.create(text, new Shape(1, 4)))).logits();
            NDArray frozen = gpt2.forward(ForwardInput.ofIds(m.create(new long[] {40, 41, 42, 5, 17, 200, 33},
                    new Shape(1, 7)))).logits().get(new NDIndex(":, 3:, :"));
            assertEquals(0f, tuned.sub(frozen).abs().max().getFloat(), 1e-5f);
            assertEquals("words", prefix.config().getAsJsonObject("init").get("kind").getAsString());

            // the MLP is fitted towards the same activations (Li & Liang: Adam, MSE); more steps, smaller error
            double unfitted = mlpFitError(gpt2, words, 0, m);
            double fitted = mlpFitError(gpt2, words, 300, m);
            System.out.printf("MLP fit to word activations: MSE %.4f -> %.4f after 300 steps%n", unfitted, fitted);
            assertTrue(fitted < 0.5 * unfitted, unfitted + " -> " + fitted);
            assertThrows(IllegalArgumentException.class,
                    () -> Prefix.on(gpt2).length(5).initFromWords(words, "w"));
        }
    }

    private static double mlpFitError(Gpt2 gpt2, int[] words, int steps, NDManager m) {
        try (PrefixTuning p = Prefix.on(gpt2).reparam(Reparam.mlp(64)).initFromWords(words, "w").initFit(steps, 1e-3)
                .build(m)) {
            return p.config().getAsJsonObject("init").get("fit_mse").getAsDouble();
        }
    }

    /** GPT-2 small's shape: a collapsed prefix of 10 on disk is far below 1% of the backbone's 4-byte weights. */
    @Test
    void collapsedCheckpointOfGpt2SmallIsUnderOnePercent(@TempDir Path tmp) throws IOException {
        Gpt2Config small = Gpt2Config.of(50257, 1024, 768, 12, 12);
        try (NDManager m = Engines.newManager(); Gpt2 gpt2 = Gpt2.random(small, m, 1);
                PrefixTuning prefix = Prefix.on(gpt2).length(10).reparam(Reparam.mlp(512)).build(m);
                PrefixTuning collapsed = prefix.collapse()) {
            long backboneBytes = 4 * gpt2.weights().parameterCount();
            Path saved = tmp.resolve("prefix");
            new TrainingCheckpoint(collapsed.config(), collapsed.trainable(), Map.of(), 0, 0, null).save(saved);
            long onDisk;
            try (Stream<Path> files = Files.walk(saved)) {
                onDisk = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            }
            double fraction = (double) onDisk / backboneBytes;
            System.out.printf("GPT-2 small (%d parameters, %d bytes): collapsed prefix P=10 checkpoint %d bytes "
                    + "= %.3f%% (with the MLP it trains %d parameters)%n", gpt2.weights().parameterCount(),
                    backboneBytes, onDisk, 100 * fraction, prefix.trainedParameterCount());
            assertEquals(10L * 2 * 12 * 768, collapsed.trainedParameterCount());
            assertTrue(fraction < 0.01, "checkpoint is " + fraction + " of the backbone");

            // the checkpoint restores the prefix exactly
            TrainingCheckpoint loaded = TrainingCheckpoint.load(saved, m);
            try (PrefixTuning restored = Prefix.on(gpt2).length(10).reparam(Reparam.none()).build(m)) {
                restored.load(loaded.parameters(), saved.toString());
                NDArray ids = m.create(new long[] {464, 3290, 318}, new Shape(1, 3));
                NDArray a = collapsed.forward(ForwardInput.ofIds(ids)).logits();
                NDArray b = restored.forward(ForwardInput.ofIds(ids)).logits();
                assertEquals(0f, a.sub(b).abs().max().getFloat());
            }
        }
    }
}
