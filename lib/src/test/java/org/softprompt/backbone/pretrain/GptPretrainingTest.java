package org.softprompt.backbone.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;
import org.softprompt.Scale;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.data.TextCorpus;
import org.softprompt.tokenize.HuggingFaceBackedTokenizer;
import org.softprompt.tokenize.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

class GptPretrainingTest {
    private static NDManager root;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    /** Smoke settings cut further for the cache tests, which only need a real run, not a good model. */
    private static GptPretraining.Settings tiny() {
        GptPretraining.Settings s = GptPretraining.Settings.smoke().withSteps(8);
        return new GptPretraining.Settings(s.sources(), s.validationFraction(), s.corpusSeed(), 50_000, 300,
                32, 32, 1, 2, 0.1, 4, s.steps(), s.learningRate(), 2, s.weightDecay(), s.clipNorm(), s.seed(), 2048);
    }

    @Test
    void smokeScalePretrainsAndTheSavedFolderReproducesTheModel(@TempDir Path dir) throws Exception {
        try (NDManager manager = root.newSubManager();
                GptPretraining.Trained trained = GptPretraining.forScale(Scale.SMOKE)
                        .dataRoot(PretrainingTestSupport.dataRoot())
                        .train(manager, new PretrainingTestSupport.Recorder(-1))) {
            JsonObject report = trained.report();
            double first = report.get("first_loss").getAsDouble();
            double last = report.get("final_loss").getAsDouble();
            // from about ln(1024) = 6.9 at initialization; a smoke run must clearly learn
            assertTrue(first > 6.5, "initial loss " + first);
            assertTrue(last < first - 1.5, "loss went from " + first + " to " + last);
            double perplexity = report.get("validation_perplexity").getAsDouble();
            assertTrue(perplexity > 1 && perplexity < 400, "validation perplexity " + perplexity
                    + " should be far below the uniform 1024");

            trained.save(dir);
            for (String file : List.of("config.json", "model.safetensors", "vocab.json", "merges.txt",
                    "special_tokens_map.json")) {
                assertTrue(Files.isRegularFile(dir.resolve(file)), file);
            }
            String text = "ROMEO: What light through yonder window breaks?";
            try (HuggingFaceBackedTokenizer loadedTokenizer = Tokenizers.load(dir);
                    HuggingFaceBackedTokenizer memoryTokenizer = trained.vocabulary().toTokenizer();
                    Gpt2 loaded = Gpt2.load(dir, manager)) {
                int[] ids = loadedTokenizer.encode(text, false);
                assertArrayEquals(memoryTokenizer.encode(text, false), ids);
                assertEquals(text, loadedTokenizer.decode(ids, false));
                JsonObject loadedConfig = loaded.config().toJson();
                // written by save for transformers, not part of the model's config
                loadedConfig.remove("architectures");
                loadedConfig.remove("torch_dtype");
                assertEquals(trained.model().config().toJson(), loadedConfig);
                try (NDManager step = manager.newSubManager()) {
                    NDArray input = step.create(ids).toType(ai.djl.ndarray.types.DataType.INT64, false)
                            .reshape(1, ids.length);
                    float[] expected = trained.model().forward(ForwardInput.ofIds(input)).logits().toFloatArray();
                    float[] actual = loaded.forward(ForwardInput.ofIds(input)).logits().toFloatArray();
                    assertArrayEquals(expected, actual, 0f);
                }
            }
        }
    }

    @Test
    void aSecondEnsureFindsTheCachedFolderWithoutTraining(@TempDir Path cacheRoot) throws Exception {
        GptPretraining pretraining = GptPretraining.of(tiny()).dataRoot(PretrainingTestSupport.dataRoot())
                .cache(new PretrainingCache(cacheRoot));
        assertTrue(pretraining.cached().isEmpty());
        // what a process killed mid-training leaves behind
        Path abandoned = cacheRoot.resolve("." + pretraining.cacheFolder().getFileName() + ".partial-123");
        Files.createDirectories(abandoned);
        Files.writeString(abandoned.resolve("model.safetensors"), "half a file");
        PretrainingTestSupport.Recorder first = new PretrainingTestSupport.Recorder(-1);
        long started = System.nanoTime();
        Path folder = pretraining.ensure(first);
        double firstSeconds = (System.nanoTime() - started) / 1e9;
        assertEquals(1, first.starts);
        assertEquals(8, first.steps);
        assertEquals(pretraining.cacheFolder(), folder);
        assertFalse(Files.exists(abandoned), "the abandoned partial folder is cleaned up");
        JsonObject report = PretrainingCache.readReport(folder);
        assertEquals(tiny().toJson(), report.getAsJsonObject("configuration"));
        assertTrue(report.has("validation_perplexity") && report.has("tokens_seen") && report.has("wall_seconds"));
        long modified = Files.getLastModifiedTime(folder.resolve("model.safetensors")).toMillis();

        PretrainingTestSupport.Recorder second = new PretrainingTestSupport.Recorder(-1);
        started = System.nanoTime();
        Path again = GptPretraining.of(tiny()).dataRoot(PretrainingTestSupport.dataRoot())
                .cache(new PretrainingCache(cacheRoot)).ensure(second);
        double secondSeconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("GPT cache: first ensure %.2f s (trained), second %.4f s (found)%n", firstSeconds,
                secondSeconds);
        assertEquals(folder, again);
        assertEquals(0, second.starts, "the second call must not train");
        assertEquals(modified, Files.getLastModifiedTime(again.resolve("model.safetensors")).toMillis());
    }

    @Test
    void theCacheKeyChangesWithEverySetting() throws Exception {
        GptPretraining.Settings base = GptPretraining.Settings.smoke();
        String baseHash = PretrainingCache.hash(base.toJson());
        assertEquals(baseHash, PretrainingCache.hash(GptPretraining.Settings.smoke().toJson()));
        Set<String> hashes = new HashSet<>(List.of(baseHash));
        List<PretrainingTestSupport.Variant<GptPretraining.Settings>> variants = PretrainingTestSupport.variants(
                base, sources -> {
                    List<Object> changed = new ArrayList<>(sources);
                    changed.add(TextCorpus.Source.NLTK_INAUGURAL);
                    return changed;
                });
        assertEquals(GptPretraining.Settings.class.getRecordComponents().length, variants.size());
        for (var variant : variants) {
            String hash = PretrainingCache.hash(variant.settings().toJson());
            assertNotEquals(baseHash, hash, "changing " + variant.changed() + " must change the cache key");
            assertTrue(hashes.add(hash), variant.changed() + " collides with another variant");
        }
    }

    @Test
    void paperScaleTrainsNothingAndNamesTheHubModel() {
        GptPretraining paper = GptPretraining.forScale(Scale.PAPER);
        assertTrue(paper.settings().isEmpty());
        assertTrue(paper.cached().isEmpty());
        IllegalStateException error = assertThrows(IllegalStateException.class, paper::cacheFolder);
        assertTrue(error.getMessage().contains("gpt2-medium"), error.getMessage());
        assertTrue(VitPretraining.forScale(Scale.PAPER).settings().isEmpty());
        assertEquals(GptPretraining.Settings.quick(), GptPretraining.forScale(Scale.QUICK).settings().orElseThrow());
    }

    @Test
    void aRunThatFailsLeavesNoCacheEntry(@TempDir Path cacheRoot) throws Exception {
        GptPretraining pretraining = GptPretraining.of(tiny()).dataRoot(PretrainingTestSupport.dataRoot())
                .cache(new PretrainingCache(cacheRoot));
        IllegalStateException crash = assertThrows(IllegalStateException.class,
                () -> pretraining.ensure(new PretrainingTestSupport.Recorder(5)));
        assertEquals("simulated crash at step 5", crash.getMessage());
        assertTrue(pretraining.cached().isEmpty());
        assertFalse(Files.exists(pretraining.cacheFolder()));
        try (Stream<Path> left = Files.list(cacheRoot)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().allMatch(n -> n.endsWith(".lock")), "left behind: " + names);
        }
        // and the next call trains and succeeds
        assertEquals(pretraining.cacheFolder(), pretraining.ensure());
    }
}
