package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class VitTest {
    private static final VitConfig TINY = VitConfig.of(16, 4, 24, 3, 4, 48, 5);
    @RegisterExtension
    static final RootManager root = new RootManager();

    @Test
    void reproducesTransformersLogitsAndHiddenStates() {
        try (NDManager manager = root.newSubManager();
             Vit model = Vit.load(Fixtures.dir("tiny-vit"), manager)) {
            Map<String, NDArray> ref = Fixtures.reference("tiny-vit", manager);
            ForwardOutput out = model.forward(ForwardInput.ofPixels(ref.get("pixel_values")).withHiddenStates(true));
            assertEquals("ViTForImageClassification", model.architecture());
            Fixtures.assertMatchesReference("tiny-vit logits", out.logits(), ref.get("logits"));
            assertEquals(3, out.hiddenStates().size());
            for (int i = 0; i < 3; i++) {
                Fixtures.assertMatchesReference("tiny-vit hidden_states." + i, out.hiddenStates().get(i),
                        ref.get("hidden_states." + i));
            }
        }
    }

    @Test
    void saveThenLoadGivesIdenticalLogits(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Vit model = Vit.random(TINY, manager, 1)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            NDArray before = model.forward(ForwardInput.ofPixels(pixels)).logits();
            assertEquals(new Shape(2, 5), before.getShape());
            model.save(dir);
            try (Backbone loaded = Backbones.load(dir, manager)) {
                assertTrue(loaded instanceof Vit);
                assertEquals(model.weights().names(), loaded.weights().names());
                assertEquals(5, ((Vit) loaded).config().numLabels());
                assertEquals(0f, Fixtures.maxAbsDiff(before, loaded.forward(ForwardInput.ofPixels(pixels))
                        .logits()));
            }
        }
    }

    /** Replacing the classifier by one with another number of labels: strict fails, lenient re-initializes. */
    @Test
    void lenientLoadingReplacesTheClassifier(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Vit model = Vit.random(TINY, manager, 2)) {
            model.save(dir);
            VitConfig sevenLabels = VitConfig.read(dir).withNumLabels(7);
            CheckpointException strict = assertThrows(CheckpointException.class,
                    () -> Vit.load(dir, sevenLabels, manager, LoadOptions.strict()));
            assertEquals(List.of("classifier.weight", "classifier.bias"), strict.report().misshapedNames());
            try (Vit replaced = Vit.load(dir, sevenLabels, manager, LoadOptions.lenient().withInitSeed(3))) {
                assertEquals(List.of("classifier.weight", "classifier.bias"), replaced.loadReport().initialized());
                NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
                ForwardOutput out = replaced.forward(ForwardInput.ofPixels(pixels));
                assertEquals(new Shape(2, 7), out.logits().getShape());
                // the encoder is the checkpoint's
                assertEquals(0f, Fixtures.maxAbsDiff(model.forward(ForwardInput.ofPixels(pixels)).lastHiddenState(),
                        out.lastHiddenState()));
                assertEquals(0f, replaced.weight("classifier.bias").abs().sum().getFloat());
                assertEquals(7, replaced.config().toJson().getAsJsonObject("id2label").size());
            }
        }
    }

    /** A ViTModel checkpoint: no "vit." prefix, a pooler, no classifier; a classifier can be added leniently. */
    @Test
    void loadsViTModelCheckpointAndAddsAClassifier(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Vit model = Vit.random(TINY, manager, 3, true, false)) {
            Map<String, NDArray> renamed = new LinkedHashMap<>();
            model.weights().asMap().forEach((name, array) -> renamed.put(name.substring("vit.".length()), array));
            Safetensors.write(dir.resolve("model.safetensors"), renamed, Map.of());
            ConfigJson.write(TINY.toJson(), dir);
            NDArray pixels = manager.randomNormal(new Shape(1, 3, 16, 16));
            try (Vit base = Vit.load(dir, manager)) {
                assertEquals("ViTModel", base.architecture());
                ForwardOutput out = base.forward(ForwardInput.ofPixels(pixels));
                assertNull(out.logits());
                assertEquals(new Shape(1, 24), out.pooledOutput().getShape());
            }
            try (Vit classifier = Vit.load(dir, manager, LoadOptions.lenient().withTaskHead(true))) {
                assertEquals(List.of("classifier.weight", "classifier.bias"), classifier.loadReport().missing());
                assertEquals(new Shape(1, 5), classifier.forward(ForwardInput.ofPixels(pixels)).logits().getShape());
            }
        }
    }

    /**
     * VPT-deep through hooks (prompts inserted after [CLS], replaced before every layer) must equal per-layer
     * prefixes whose keys and values are the prompts through that layer's layernorm_before and key/value
     * projections: both extension points describe the same computation for [CLS] and the patches.
     */
    @Test
    void vptDeepHooksEqualPrefixesComputedFromThePrompts() {
        try (NDManager manager = root.newSubManager(); Vit model = Vit.random(TINY, manager, 4)) {
            int prompts = 3;
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            List<NDArray> perLayer = new ArrayList<>();
            for (int layer = 0; layer < 3; layer++) {
                perLayer.add(manager.randomNormal(new Shape(1, prompts, 24)));
            }
            Hooks vptDeep = new Hooks() {
                @Override
                public NDArray afterEmbeddings(NDArray hidden) {
                    long batch = hidden.getShape().get(0);
                    NDArray p = perLayer.get(0).broadcast(batch, prompts, 24);
                    return NDArrays.concat(new NDList(hidden.get(":, 0:1"), p, hidden.get(":, 1:")), 1);
                }

                @Override
                public NDArray beforeLayer(int layer, NDArray hidden) {
                    if (layer == 0) {
                        return hidden;
                    }
                    long batch = hidden.getShape().get(0);
                    NDArray p = perLayer.get(layer).broadcast(batch, prompts, 24);
                    return NDArrays.concat(new NDList(hidden.get(":, 0:1"), p,
                            hidden.get(":, " + (1 + prompts) + ":")), 1);
                }
            };
            ForwardOutput hooked = model.forward(ForwardInput.ofPixels(pixels).withHooks(vptDeep)
                    .withHiddenStates(true));
            assertEquals(new Shape(2, 1 + prompts + 16, 24), hooked.lastHiddenState().getShape());

            List<Prefix> prefixes = new ArrayList<>();
            for (int layer = 0; layer < 3; layer++) {
                String p = "vit.encoder.layer." + layer + ".";
                NDArray h = Nn.layerNorm(perLayer.get(layer), model.weight(p + "layernorm_before.weight"),
                        model.weight(p + "layernorm_before.bias"), 1e-12);
                NDArray key = Nn.splitHeads(Nn.linear(h, model.weight(p + "attention.attention.key.weight"),
                        model.weight(p + "attention.attention.key.bias")), 4);
                NDArray value = Nn.splitHeads(Nn.linear(h, model.weight(p + "attention.attention.value.weight"),
                        model.weight(p + "attention.attention.value.bias")), 4);
                prefixes.add(Prefix.of(key, value));
            }
            ForwardOutput prefixed = model.forward(ForwardInput.ofPixels(pixels)
                    .withPrefixes(LayerPrefixes.of(prefixes)));
            float logits = Fixtures.maxAbsDiff(hooked.logits(), prefixed.logits());
            assertTrue(logits < 1e-5, "logits differ by " + logits);
            NDArray hookedPatches = hooked.lastHiddenState().get(":, " + (1 + prompts) + ":");
            NDArray prefixPatches = prefixed.lastHiddenState().get(":, 1:");
            assertTrue(Fixtures.maxAbsDiff(hookedPatches, prefixPatches) < 1e-5);
            // and the prompts matter
            assertTrue(Fixtures.maxAbsDiff(hooked.logits(), model.forward(ForwardInput.ofPixels(pixels)).logits())
                    > 1e-4);
        }
    }

    /** VPT-shallow: with the backbone frozen, gradients reach the inserted prompt and no weight. */
    @Test
    void gradientReachesInsertedPrompt() {
        try (NDManager manager = root.newSubManager(); Vit model = Vit.random(TINY, manager, 5)) {
            NDArray prompt = manager.randomNormal(new Shape(1, 2, 24));
            prompt.setRequiresGradient(true);
            Hooks shallow = new Hooks() {
                @Override
                public NDArray afterEmbeddings(NDArray hidden) {
                    NDArray p = prompt.broadcast(hidden.getShape().get(0), 2, 24);
                    return NDArrays.concat(new NDList(hidden.get(":, 0:1"), p, hidden.get(":, 1:")), 1);
                }
            };
            try (NDManager step = manager.newSubManager();
                 GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray pixels = step.randomNormal(new Shape(2, 3, 16, 16));
                NDArray logits = model.forward(ForwardInput.ofPixels(pixels).withHooks(shallow)).logits();
                collector.backward(logits.square().mean());
            }
            assertTrue(prompt.getGradient().abs().sum().getFloat() > 0);
            model.weights().asMap().forEach((name, array) -> assertFalse(array.hasGradient(), name));
        }
    }

    @Test
    void rejectsWrongImagesAndTextInputs() {
        try (NDManager manager = root.newSubManager(); Vit model = Vit.random(TINY, manager, 6)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ForwardInput.ofPixels(manager.zeros(new Shape(1, 3, 32, 32)))));
            assertTrue(e.getMessage().contains("16"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ForwardInput.ofIds(manager.zeros(new Shape(1, 4)))));
            assertThrows(UnsupportedOperationException.class, () -> model.newCache(manager));
        }
    }
}
