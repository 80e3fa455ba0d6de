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
import com.google.gson.JsonParser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;
import org.softprompt.Scale;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Vit;
import org.softprompt.backbone.VitConfig;
import org.softprompt.data.ImageSet;
import org.softprompt.data.Images;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

class VitPretrainingTest {
    private static NDManager root;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static VitPretraining.Settings tiny() {
        return new VitPretraining.Settings(8, 16, 1, 2, 32, 0.0, 8, 6, 1e-3, 2, 0.05, 1.0, 4, true, 200, 100, 0);
    }

    @Test
    void smokeScaleTrainsAndTheSavedFolderReproducesTheModel(@TempDir Path dir) throws Exception {
        Path data = PretrainingTestSupport.dataRoot();
        try (NDManager manager = root.newSubManager();
                VitPretraining.Trained trained = VitPretraining.forScale(Scale.SMOKE).dataRoot(data)
                        .train(manager, new PretrainingTestSupport.Recorder(-1))) {
            JsonObject report = trained.report();
            double first = report.get("first_loss").getAsDouble();
            double last = report.get("final_loss").getAsDouble();
            assertTrue(first > 2.0, "initial loss " + first + " (ln 10 = 2.30)");
            assertTrue(last < first - 0.2, "loss went from " + first + " to " + last);
            double accuracy = report.get("test_accuracy").getAsDouble();
            // 500 test images, 50 per class: chance is 0.10
            assertTrue(accuracy > 0.15 && accuracy < 1.0, "test accuracy " + accuracy);

            trained.save(dir);
            VitConfig config = VitConfig.read(dir);
            assertEquals(32, config.imageSize());
            assertEquals(8, config.patchSize());
            assertEquals(3, config.numChannels());
            JsonObject json = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
            assertEquals("cat", json.getAsJsonObject("id2label").get("3").getAsString());
            assertEquals("ViTForImageClassification", json.getAsJsonArray("architectures").get(0).getAsString());
            JsonObject preprocessor = JsonParser.parseString(Files.readString(
                    dir.resolve(VitPretraining.PREPROCESSOR_FILE))).getAsJsonObject();
            assertEquals(Images.CIFAR10_MEAN[0], preprocessor.getAsJsonArray("image_mean").get(0).getAsFloat());
            assertEquals(Images.CIFAR10_STD[2], preprocessor.getAsJsonArray("image_std").get(2).getAsFloat());

            ImageSet test = Images.cifar10(data.resolve("cifar10/test_5k.bin"));
            try (Vit loaded = Vit.load(dir, manager); NDManager step = manager.newSubManager()) {
                assertTrue(loaded.hasClassifier());
                NDArray pixels = test.batch(step, new int[] {0, 777, 4999}, Images.CIFAR10_MEAN,
                        Images.CIFAR10_STD);
                float[] expected = trained.model().forward(ForwardInput.ofPixels(pixels)).logits().toFloatArray();
                float[] actual = loaded.forward(ForwardInput.ofPixels(pixels)).logits().toFloatArray();
                assertArrayEquals(expected, actual, 0f);
            }
        }
    }

    @Test
    void augmentationCropsWithBlackPaddingAndFlips() {
        // one image whose pixel values encode their position, so a crop and a flip can be read back
        byte[] pixels = new byte[3 * 32 * 32];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    pixels[(c * 32 + y) * 32 + x] = (byte) (y * 8 + x % 8);
                }
            }
        }
        ImageSet one = new ImageSet("pattern", Images.CIFAR10_CLASSES, 3, 32, 32, pixels, new int[] {3});
        VitPretraining.Settings settings = tiny();
        VitPretraining.Augmented augmented = new VitPretraining.Augmented(one, settings);
        VitPretraining.Batch batch = augmented.get().next();
        assertEquals(3L, batch.labels()[0]);
        float black = -Images.CIFAR10_MEAN[0] / Images.CIFAR10_STD[0];
        // every output pixel is black padding or some input pixel's normalized value
        Set<Float> allowed = new HashSet<>();
        allowed.add(black);
        for (int v = 0; v < 256; v++) {
            allowed.add(((v / 255f) - Images.CIFAR10_MEAN[0]) / Images.CIFAR10_STD[0]);
        }
        for (int i = 0; i < 32 * 32; i++) {
            assertTrue(allowed.contains(batch.pixels()[i]), "pixel " + i);
        }
        // the eight images of a batch do not all come out the same: crops and flips vary
        Set<String> distinct = new HashSet<>();
        for (int b = 0; b < 8; b++) {
            distinct.add(java.util.Arrays.toString(java.util.Arrays.copyOfRange(batch.pixels(), b * 3072,
                    b * 3072 + 1024)));
        }
        assertTrue(distinct.size() > 1);
        // without augmentation the image comes through unchanged
        VitPretraining.Batch plain = new VitPretraining.Augmented(one, settings.withAugmentation(0, false)).get()
                .next();
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                float expected = ((pixels[y * 32 + x] & 0xFF) / 255f - Images.CIFAR10_MEAN[0])
                        / Images.CIFAR10_STD[0];
                assertEquals(expected, plain.pixels()[y * 32 + x]);
            }
        }
    }

    @Test
    void aSecondEnsureFindsTheCachedFolderWithoutTraining(@TempDir Path cacheRoot) throws Exception {
        Path data = PretrainingTestSupport.dataRoot();
        PretrainingTestSupport.Recorder first = new PretrainingTestSupport.Recorder(-1);
        Path folder = VitPretraining.of(tiny()).dataRoot(data).cache(new PretrainingCache(cacheRoot)).ensure(first);
        assertEquals(1, first.starts);
        assertTrue(PretrainingCache.readReport(folder).has("test_accuracy"));
        long modified = Files.getLastModifiedTime(folder.resolve("model.safetensors")).toMillis();
        PretrainingTestSupport.Recorder second = new PretrainingTestSupport.Recorder(-1);
        long started = System.nanoTime();
        Path again = VitPretraining.of(tiny()).dataRoot(data).cache(new PretrainingCache(cacheRoot)).ensure(second);
        System.out.printf("ViT cache: second ensure %.4f s (found)%n", (System.nanoTime() - started) / 1e9);
        assertEquals(folder, again);
        assertEquals(0, second.starts, "the second call must not train");
        assertEquals(modified, Files.getLastModifiedTime(again.resolve("model.safetensors")).toMillis());
    }

    @Test
    void theCacheKeyChangesWithEverySetting() throws Exception {
        VitPretraining.Settings base = VitPretraining.Settings.quick();
        String baseHash = PretrainingCache.hash(base.toJson());
        Set<String> hashes = new HashSet<>(List.of(baseHash));
        var variants = PretrainingTestSupport.variants(base, list -> list);
        assertEquals(VitPretraining.Settings.class.getRecordComponents().length, variants.size());
        for (var variant : variants) {
            String hash = PretrainingCache.hash(variant.settings().toJson());
            assertNotEquals(baseHash, hash, "changing " + variant.changed() + " must change the cache key");
            assertTrue(hashes.add(hash), variant.changed() + " collides with another variant");
        }
    }

    @Test
    void aRunThatFailsLeavesNoCacheEntry(@TempDir Path cacheRoot) throws Exception {
        VitPretraining pretraining = VitPretraining.of(tiny()).dataRoot(PretrainingTestSupport.dataRoot())
                .cache(new PretrainingCache(cacheRoot));
        assertThrows(IllegalStateException.class, () -> pretraining.ensure(new PretrainingTestSupport.Recorder(3)));
        assertTrue(pretraining.cached().isEmpty());
        assertFalse(Files.exists(pretraining.cacheFolder()));
        try (Stream<Path> left = Files.list(cacheRoot)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().allMatch(n -> n.endsWith(".lock")), "left behind: " + names);
        }
    }
}
