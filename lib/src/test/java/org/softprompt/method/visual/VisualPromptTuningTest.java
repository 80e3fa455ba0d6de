package org.softprompt.method.visual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.Vit;
import org.softprompt.backbone.VitConfig;
import org.softprompt.method.TunedModel;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Sgd;
import org.softprompt.train.Trainer;

class VisualPromptTuningTest {
    /** 16x16 images, 4x4 patches (16 patches, 4 per row), hidden 24, 3 layers, 4 heads, 5 labels. */
    private static final VitConfig TINY = VitConfig.of(16, 4, 24, 3, 4, 48, 5);
    private static final int PATCHES = 16;
    private static NDManager root;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static List<Long> tokenCounts(ForwardOutput out) {
        List<Long> counts = new ArrayList<>();
        out.hiddenStates().forEach(h -> counts.add(h.getShape().get(1)));
        return counts;
    }

    private static ForwardOutput run(TunedModel tuned, NDArray pixels) {
        return tuned.forward(ForwardInput.ofPixels(pixels).withHiddenStates(true));
    }

    private static float maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void hiddenStatesHaveTheTokenCountOfEveryLocationAndDepth() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 1)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            Map<String, Function<VisualPrompt, VisualPrompt>> variants = new java.util.LinkedHashMap<>();
            variants.put("prepend shallow", b -> b.length(3));
            variants.put("prepend deep", b -> b.length(3).deep());
            variants.put("prepend first 2", b -> b.length(3).firstLayers(2));
            variants.put("prepend last 1", b -> b.length(3).lastLayers(1));
            variants.put("add shallow", b -> b.location(PromptLocation.ADD));
            variants.put("add deep", b -> b.location(PromptLocation.ADD).deep());
            variants.put("prepend-pixel", b -> b.location(PromptLocation.PREPEND_PIXEL).length(2));
            variants.put("concat-channel", b -> b.location(PromptLocation.CONCAT_CHANNEL).length(1));
            Map<String, List<Long>> expected = Map.of(
                    "prepend shallow", List.of(20L, 20L, 20L, 20L),
                    "prepend deep", List.of(20L, 20L, 20L, 20L),
                    "prepend first 2", List.of(20L, 20L, 20L, 20L),
                    "prepend last 1", List.of(17L, 17L, 20L, 20L),
                    "add shallow", List.of(17L, 17L, 17L, 17L),
                    "add deep", List.of(17L, 17L, 17L, 17L),
                    "prepend-pixel", List.of(19L, 19L, 19L, 19L),
                    "concat-channel", List.of(17L, 17L, 17L, 17L));
            variants.forEach((name, variant) -> {
                try (VisualPromptTuning tuned = variant.apply(VisualPrompt.on(vit).classes(7)).build(manager)) {
                    ForwardOutput out = run(tuned, pixels);
                    assertEquals(expected.get(name), tokenCounts(out), name);
                    assertEquals(new Shape(2, 7), out.logits().getShape(), name);
                    assertEquals(new Shape(2, expected.get(name).get(3), 24), out.lastHiddenState().getShape(), name);
                }
            });
        }
    }

    @Test
    void onlyThePromptsAndTheHeadGetGradients() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 2)) {
            List<Function<VisualPrompt, VisualPrompt>> variants = List.of(
                    b -> b.length(3).deep().projection(8).dropout(0.1),
                    b -> b.length(2).lastLayers(2),
                    b -> b.location(PromptLocation.ADD).deep(),
                    b -> b.location(PromptLocation.PREPEND_PIXEL).length(2),
                    b -> b.location(PromptLocation.CONCAT_CHANNEL).length(2));
            for (Function<VisualPrompt, VisualPrompt> variant : variants) {
                try (VisualPromptTuning tuned = variant.apply(VisualPrompt.on(vit)).build(manager)) {
                    try (NDManager step = manager.newSubManager();
                         GradientCollector collector = manager.getEngine().newGradientCollector()) {
                        NDArray pixels = step.randomNormal(new Shape(2, 3, 16, 16));
                        ForwardOutput out = tuned.forward(ForwardInput.ofPixels(pixels).withTraining(true));
                        collector.backward(out.logits().square().mean());
                    }
                    String config = tuned.config().toString();
                    assertTrue(tuned.trainable().containsKey("head.weight"), config);
                    assertTrue(tuned.trainable().size() >= 3, config);
                    tuned.trainable().forEach((name, array) -> {
                        float gradient = array.getGradient().abs().sum().getFloat();
                        assertTrue(gradient > 0, name + " got no gradient in " + config);
                    });
                    vit.weights().asMap().forEach((name, array) ->
                            assertFalse(array.hasGradient(), name + " requires a gradient in " + config));
                    assertTrue(vit.trainable().isEmpty());
                }
            }
        }
    }

    /**
     * Per prompted layer, not just in total: every layer's row of the prompt tensor gets a gradient and moves under
     * SGD (a depth whose later rows never reached the forward pass would fail here), while every ViT weight stays
     * bitwise what it was.
     */
    @Test
    void everyPromptedLayerTrainsAndTheViTStaysBitwiseUnchanged() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 16)) {
            Map<String, NDArray> frozenBefore = new java.util.LinkedHashMap<>();
            vit.weights().asMap().forEach((name, array) -> frozenBefore.put(name, array.duplicate()));
            NDArray pixels = manager.randomNormal(new Shape(4, 3, 16, 16));
            Map<String, Function<VisualPrompt, VisualPrompt>> variants = new java.util.LinkedHashMap<>();
            variants.put("shallow", b -> b.length(3));
            variants.put("deep", b -> b.length(3).deep());
            variants.put("first 2", b -> b.length(3).firstLayers(2));
            variants.put("last 2", b -> b.length(3).lastLayers(2));
            variants.put("add deep", b -> b.location(PromptLocation.ADD).deep());
            Map<String, Integer> rows = Map.of("shallow", 1, "deep", 3, "first 2", 2, "last 2", 2, "add deep", 3);
            variants.forEach((name, variant) -> {
                try (VisualPromptTuning tuned = variant.apply(VisualPrompt.on(vit).classes(4)).build(manager);
                     Sgd sgd = new Sgd(List.of(ParameterGroup.all(0.1, 0)), LearningRateSchedule.constant(), manager,
                             0.9)) {
                    NDArray prompts = tuned.trainable().get(VisualPromptTuning.EMBEDDINGS);
                    assertEquals(rows.get(name).longValue(), prompts.getShape().get(0), name);
                    NDArray before = prompts.duplicate();
                    Trainer<Integer> trainer = new Trainer<>(tuned.trainable(), sgd, (step, batch) ->
                            tuned.forward(ForwardInput.ofPixels(pixels).withTraining(true)).logits().square().mean());
                    trainer.fit(() -> List.of(0).iterator(), Trainer.Settings.steps(2));
                    for (int row = 0; row < rows.get(name); row++) {
                        assertTrue(maxAbsDiff(prompts.get(row), before.get(row)) > 0,
                                name + ": the prompts of prompted layer " + row + " did not train");
                    }
                }
            });
            vit.weights().asMap().forEach((name, array) ->
                    assertEquals(0f, maxAbsDiff(array, frozenBefore.get(name)), name + " changed"));
        }
    }

    /** Layer i's input holds exactly layer i's prompts in the slots after [CLS]: replaced, never accumulated. */
    @Test
    void deepPromptsReplaceThePromptSlotsBeforeEveryLayer() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 3);
             VisualPromptTuning tuned = VisualPrompt.on(vit).length(3).deep().build(manager)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            ForwardOutput out = run(tuned, pixels);
            NDArray prompts = tuned.trainable().get(VisualPromptTuning.EMBEDDINGS);
            assertEquals(new Shape(3, 3, 24), prompts.getShape());
            for (int layer = 0; layer < 3; layer++) {
                NDArray slots = out.hiddenStates().get(layer).get(":, 1:4");
                NDArray expected = prompts.get(layer).expandDims(0).broadcast(2, 3, 24);
                assertEquals(0f, maxAbsDiff(slots, expected), "layer " + layer);
            }
            // the layers did change the prompt slots, so equality above means replacement
            NDArray carried = out.hiddenStates().get(3).get(":, 1:4");
            assertTrue(maxAbsDiff(carried, prompts.get(2).expandDims(0).broadcast(2, 3, 24)) > 1e-3);
            // and the patch tokens are those the layer computed from the previous input
            assertEquals(new Shape(2, 20, 24), out.hiddenStates().get(2).getShape());
        }
    }

    @Test
    void firstAndLastLayerDepthsPromptOnlyThoseLayers() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 4)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            try (VisualPromptTuning first = VisualPrompt.on(vit).length(2).firstLayers(2).build(manager)) {
                NDArray prompts = first.trainable().get(VisualPromptTuning.EMBEDDINGS);
                assertEquals(new Shape(2, 2, 24), prompts.getShape());
                ForwardOutput out = run(first, pixels);
                for (int layer = 0; layer < 2; layer++) {
                    assertEquals(0f, maxAbsDiff(out.hiddenStates().get(layer).get(":, 1:3"),
                            prompts.get(layer).expandDims(0).broadcast(2, 2, 24)));
                }
                // layer 2 sees layer 1's prompt outputs, carried on: they differ from every prompt
                NDArray carried = out.hiddenStates().get(2).get(":, 1:3");
                assertTrue(maxAbsDiff(carried, prompts.get(1).expandDims(0).broadcast(2, 2, 24)) > 1e-3);
            }
            try (VisualPromptTuning last = VisualPrompt.on(vit).length(2).lastLayers(2).build(manager)) {
                NDArray prompts = last.trainable().get(VisualPromptTuning.EMBEDDINGS);
                assertEquals(new Shape(2, 2, 24), prompts.getShape());
                ForwardOutput out = run(last, pixels);
                ForwardOutput frozen = vit.forward(ForwardInput.ofPixels(pixels).withHiddenStates(true));
                // no prompts before layer 1: the first layer runs as in the frozen model
                assertEquals(0f, maxAbsDiff(out.hiddenStates().get(0), frozen.hiddenStates().get(0)));
                assertEquals(0f, maxAbsDiff(out.hiddenStates().get(1).get(":, 0:1"),
                        frozen.hiddenStates().get(1).get(":, 0:1")));
                // inserted before layer 1 (no patch token lost), replaced before layer 2
                assertEquals(0f, maxAbsDiff(out.hiddenStates().get(1).get(":, 3:"),
                        frozen.hiddenStates().get(1).get(":, 1:")));
                for (int i = 0; i < 2; i++) {
                    assertEquals(0f, maxAbsDiff(out.hiddenStates().get(1 + i).get(":, 1:3"),
                            prompts.get(i).expandDims(0).broadcast(2, 2, 24)));
                }
            }
        }
    }

    /** Length 0 leaves the frozen model: the head sees exactly the frozen ViT's final [CLS] features. */
    @Test
    void shallowLengthZeroGivesTheFrozenClsFeatures() {
        Path fixture = fixture("tiny-vit");
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.load(fixture, manager);
             VisualPromptTuning tuned = VisualPrompt.on(vit).length(0).classes(3).build(manager)) {
            int image = vit.config().imageSize();
            NDArray pixels = manager.randomUniform(-1, 1, new Shape(2, 3, image, image));
            ForwardOutput out = tuned.forward(ForwardInput.ofPixels(pixels));
            NDArray frozenCls = vit.forward(ForwardInput.ofPixels(pixels)).lastHiddenState().get(":, 0");
            assertEquals(0f, maxAbsDiff(out.lastHiddenState().get(":, 0"), frozenCls));
            NDArray w = tuned.trainable().get("head.weight");
            NDArray b = tuned.trainable().get("head.bias");
            NDArray expected = frozenCls.matMul(w.transpose()).add(b);
            assertTrue(maxAbsDiff(out.logits(), expected) < 1e-5);
            assertEquals(List.of("head.weight", "head.bias"), List.copyOf(tuned.trainable().keySet()));
        }
    }

    /** Add (one prompt per token, [CLS] included): the first layer's input is the frozen embedding plus the prompt. */
    @Test
    void addPromptsAreAddedToEveryToken() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 5);
             VisualPromptTuning tuned = VisualPrompt.on(vit).location(PromptLocation.ADD).deep().build(manager)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            NDArray prompts = tuned.trainable().get(VisualPromptTuning.EMBEDDINGS);
            assertEquals(new Shape(3, 1 + PATCHES, 24), prompts.getShape());
            ForwardOutput out = run(tuned, pixels);
            NDArray embedded = vit.forward(ForwardInput.ofPixels(pixels).withHiddenStates(true)).hiddenStates().get(0);
            assertTrue(maxAbsDiff(out.hiddenStates().get(0), embedded.add(prompts.get(0))) < 1e-6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> VisualPrompt.on(vit).location(PromptLocation.ADD).length(16).build(manager));
            assertTrue(e.getMessage().contains("17"), e.getMessage());
        }
    }

    /** Pixel prompts are embedded exactly as image patches are, by the frozen patch embedding (bias included). */
    @Test
    void pixelPromptsGoThroughTheFrozenPatchEmbedding() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 6);
             VisualPromptTuning tuned = VisualPrompt.on(vit).location(PromptLocation.PREPEND_PIXEL).length(3)
                     .build(manager)) {
            NDArray pixelPrompt = tuned.trainable().get(VisualPromptTuning.PIXELS);
            assertEquals(new Shape(3, 4, 12), pixelPrompt.getShape());
            // an image whose first row of patches is the pixel prompt: its patches 0..2 embed like the prompt
            NDArray image = manager.randomNormal(new Shape(1, 3, 16, 16));
            image.set(new NDIndex(":, :, 0:4, 0:12"), pixelPrompt.expandDims(0));
            NDArray embedded = vit.forward(ForwardInput.ofPixels(image).withHiddenStates(true)).hiddenStates().get(0);
            NDArray positions = vit.weight("vit.embeddings.position_embeddings");
            NDArray patchEmbeddings = embedded.get(":, 1:4").sub(positions.get(":, 1:4"));
            ForwardOutput out = run(tuned, image);
            assertTrue(maxAbsDiff(out.hiddenStates().get(0).get(":, 1:4"), patchEmbeddings) < 1e-5);
            assertEquals(0f, maxAbsDiff(out.hiddenStates().get(0).get(":, 4:"), embedded.get(":, 1:")));
        }
    }

    /**
     * Concat-channel starts from the pretrained patch embedding for the image channels: with zero prompt channels
     * the model is exactly the frozen one; the prompt channels then change the patch tokens.
     */
    @Test
    void concatChannelWidensThePretrainedPatchEmbedding() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 7);
             VisualPromptTuning tuned = VisualPrompt.on(vit).location(PromptLocation.CONCAT_CHANNEL).length(2)
                     .build(manager)) {
            NDArray weight = tuned.trainable().get(VisualPromptTuning.PATCH_WEIGHT);
            assertEquals(new Shape(24, 5, 4, 4), weight.getShape());
            assertEquals(0f, maxAbsDiff(weight.get(":, 0:3"),
                    vit.weight("vit.embeddings.patch_embeddings.projection.weight")));
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            ForwardOutput frozen = vit.forward(ForwardInput.ofPixels(pixels).withHiddenStates(true));
            ForwardOutput prompted = run(tuned, pixels);
            assertTrue(maxAbsDiff(prompted.hiddenStates().get(0), frozen.hiddenStates().get(0)) > 1e-3);
            tuned.trainable().get(VisualPromptTuning.CHANNELS).muli(0);
            ForwardOutput zeroed = run(tuned, pixels);
            for (int i = 0; i < 4; i++) {
                assertTrue(maxAbsDiff(zeroed.hiddenStates().get(i), frozen.hiddenStates().get(i)) < 1e-5, "state " + i);
            }
        }
    }

    @Test
    void projectedPromptsAreTheLinearMapOfThePromptsAndDropoutOnlyActsWhileTraining() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 8);
             VisualPromptTuning tuned = VisualPrompt.on(vit).length(2).deep().projection(6).dropout(0.5)
                     .build(manager)) {
            Map<String, NDArray> t = tuned.trainable();
            assertEquals(new Shape(3, 2, 6), t.get(VisualPromptTuning.EMBEDDINGS).getShape());
            assertEquals(new Shape(24, 6), t.get(VisualPromptTuning.PROJECTION_WEIGHT).getShape());
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            ForwardOutput eval = run(tuned, pixels);
            for (int layer = 0; layer < 3; layer++) {
                NDArray projected = t.get(VisualPromptTuning.EMBEDDINGS).get(layer)
                        .matMul(t.get(VisualPromptTuning.PROJECTION_WEIGHT).transpose())
                        .add(t.get(VisualPromptTuning.PROJECTION_BIAS));
                assertTrue(maxAbsDiff(eval.hiddenStates().get(layer).get(":, 1:3"),
                        projected.expandDims(0).broadcast(2, 2, 24)) < 1e-6);
            }
            ForwardOutput training = tuned.forward(ForwardInput.ofPixels(pixels).withHiddenStates(true)
                    .withTraining(true));
            NDArray dropped = training.hiddenStates().get(0).get(":, 1:3");
            NDArray kept = eval.hiddenStates().get(0).get(":, 1:3");
            // inverted dropout at 0.5: every value is 0 or twice the prompt's, and both occur
            NDArray zero = dropped.eq(0);
            NDArray doubled = dropped.sub(kept.mul(2)).abs().lt(1e-5);
            assertTrue(zero.logicalOr(doubled).all().getBoolean());
            assertTrue(zero.any().getBoolean() && doubled.any().getBoolean());
            // the patch tokens are not dropped out (the tiny ViT has no dropout)
            assertEquals(0f, maxAbsDiff(training.hiddenStates().get(0).get(":, 3:"),
                    eval.hiddenStates().get(0).get(":, 3:")));
        }
    }

    /** As the official code, the frozen ViT runs without its dropout while the prompts train. */
    @Test
    void theFrozenViTRunsInEvaluationModeWhileThePromptsTrain() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY.withDropout(0.5), manager, 13)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            for (PromptLocation location : PromptLocation.values()) {
                VisualPrompt builder = VisualPrompt.on(vit).location(location);
                try (VisualPromptTuning tuned = (location == PromptLocation.ADD ? builder : builder.length(2))
                        .build(manager)) {
                    NDArray eval = tuned.forward(ForwardInput.ofPixels(pixels)).logits();
                    NDArray training = tuned.forward(ForwardInput.ofPixels(pixels).withTraining(true)).logits();
                    assertEquals(0f, maxAbsDiff(eval, training), location.toString());
                }
            }
            // the ViT itself does drop out in training mode, so the equality above is not vacuous
            NDArray a = vit.forward(ForwardInput.ofPixels(pixels)).lastHiddenState();
            NDArray b = vit.forward(ForwardInput.ofPixels(pixels).withTraining(true)).lastHiddenState();
            assertTrue(maxAbsDiff(a, b) > 1e-3);
        }
    }

    /** A step in a closed sub-manager leaves nothing behind in the model's or the ViT's managers. */
    @Test
    void forwardAndBackwardLeaveNoArraysInLongLivedManagers() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 14)) {
            for (PromptLocation location : PromptLocation.values()) {
                VisualPrompt builder = VisualPrompt.on(vit).location(location).seed(1);
                if (location.supportsDeep()) {
                    builder = builder.deep().projection(6).dropout(0.2);
                }
                try (VisualPromptTuning tuned = (location == PromptLocation.ADD ? builder : builder.length(2))
                        .build(manager)) {
                    int[] counts = new int[3];
                    for (int step = 0; step < 3; step++) {
                        try (NDManager scope = manager.newSubManager();
                             GradientCollector collector = manager.getEngine().newGradientCollector()) {
                            NDArray pixels = scope.randomNormal(new Shape(2, 3, 16, 16));
                            NDArray logits = tuned.forward(ForwardInput.ofPixels(pixels).withTraining(true)
                                    .withHiddenStates(true)).logits();
                            collector.backward(logits.square().mean());
                        }
                        counts[step] = ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
                    }
                    assertEquals(counts[0], counts[2], location + ": arrays left per step " + List.of(counts[0],
                            counts[1], counts[2]));
                }
            }
            // the count does include arrays of nested managers (the model's and the ViT's are such)
            int before = ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
            try (NDManager nested = manager.newSubManager().newSubManager()) {
                nested.zeros(new Shape(1));
                assertEquals(before + 1, ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size());
            }
        }
    }

    @Test
    void initializationFollowsTheOfficialCode() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 9);
             VisualPromptTuning tuned = VisualPrompt.on(vit).length(50).deep().classes(4).seed(3).build(manager)) {
            NDArray prompts = tuned.trainable().get(VisualPromptTuning.EMBEDDINGS);
            double bound = Math.sqrt(6.0 / (3 * 4 * 4 + 24));
            float max = prompts.abs().max().getFloat();
            assertTrue(max <= bound && max > 0.95 * bound, "max |prompt| " + max + ", bound " + bound);
            assertEquals(0, prompts.mean().getFloat(), 0.02);
            NDArray bias = tuned.trainable().get("head.bias");
            assertEquals(-Math.log(99), bias.getFloat(0), 1e-5);
            NDArray weight = tuned.trainable().get("head.weight");
            double std = Math.sqrt(weight.square().mean().getFloat());
            assertEquals(Math.sqrt(2.0 / 4), std, 0.1);
            // the same config and seed give the same tensors; another seed does not
            try (VisualPromptTuning again = VisualPrompt.on(vit,
                    VisualPromptConfig.fromJson(tuned.config())).build(manager);
                 VisualPromptTuning other = VisualPrompt.on(vit).length(50).deep().classes(4).seed(4).build(manager)) {
                assertEquals(tuned.visualPromptConfig(), again.visualPromptConfig());
                assertEquals(0f, maxAbsDiff(prompts, again.trainable().get(VisualPromptTuning.EMBEDDINGS)));
                assertTrue(maxAbsDiff(prompts, other.trainable().get(VisualPromptTuning.EMBEDDINGS)) > 0.01);
            }
            assertEquals(3L * 50 * 24 + 4 * 24 + 4, tuned.trainedParameterCount());
        }
    }

    @Test
    void configRoundTripsForEveryDepth() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 10)) {
            List<VisualPrompt> builders = List.of(VisualPrompt.on(vit).length(4),
                    VisualPrompt.on(vit).deep().projection(5).dropout(0.1),
                    VisualPrompt.on(vit).firstLayers(2), VisualPrompt.on(vit).lastLayers(1),
                    VisualPrompt.on(vit).location(PromptLocation.CONCAT_CHANNEL).length(1).classes(2));
            for (VisualPrompt builder : builders) {
                VisualPromptConfig config = builder.config();
                VisualPromptConfig read = VisualPromptConfig.fromJson(config.toJson());
                assertEquals(config, read);
                assertEquals(config, VisualPrompt.on(vit, read).config());
            }
            assertEquals("visual-prompt-tuning", builders.get(0).config().toJson().get("method").getAsString());
            assertEquals(VisualPrompt.DEFAULT_LENGTH, builders.get(1).config().length());
            assertEquals(5, builders.get(1).config().classes());
        }
    }

    @Test
    void rejectsWhatThePaperDoesNotDefine() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 11)) {
            assertMessage("shallow only", () -> VisualPrompt.on(vit).location(PromptLocation.PREPEND_PIXEL).deep()
                    .build(manager));
            assertMessage("projection", () -> VisualPrompt.on(vit).location(PromptLocation.CONCAT_CHANNEL)
                    .projection(4).build(manager));
            assertMessage("3 layers", () -> VisualPrompt.on(vit).lastLayers(4).build(manager));
            assertMessage("length >= 1", () -> VisualPrompt.on(vit).location(PromptLocation.PREPEND_PIXEL).length(0)
                    .build(manager));
            assertMessage("prepend-pixel", () -> VisualPromptConfig.fromJson(com.google.gson.JsonParser
                    .parseString("{\"method\":\"visual-prompt-tuning\",\"location\":\"pixels\"}").getAsJsonObject()));
            assertMessage("'length'", () -> VisualPromptConfig.fromJson(com.google.gson.JsonParser
                    .parseString("{\"method\":\"visual-prompt-tuning\",\"location\":\"add\"}").getAsJsonObject()));
            try (VisualPromptTuning tuned = VisualPrompt.on(vit).build(manager)) {
                assertMessage("pixelValues", () -> tuned.forward(ForwardInput.ofEmbeds(manager.zeros(
                        new Shape(1, 17, 24)))));
            }
            vit.unfreeze(name -> name.endsWith(".bias"));
            assertMessage("frozen", () -> VisualPrompt.on(vit).build(manager));
            vit.freezeAll();
        }
    }

    /**
     * A tiny random ViT with deep prompts learns a toy task: which half of the image is bright. The ViT is
     * initialized with a larger range than Hugging Face's 0.02, so that its random features depend on the image at
     * all.
     */
    @Test
    void promptsAndHeadLearnAToyTaskWithSgd() {
        VitConfig config = new VitConfig(24, 3, 4, 48, TINY.activation(), 0, 0, 0.3, 1e-12, 16, 4, 3, true, 2,
                null);
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(config, manager, 12);
             VisualPromptTuning tuned = VisualPrompt.on(vit).length(4).deep().build(manager);
             Sgd sgd = new Sgd(List.of(ParameterGroup.all(0.05, 1e-4)), LearningRateSchedule.constant(), manager,
                     0.9)) {
            Map<String, NDArray> before = new java.util.LinkedHashMap<>();
            tuned.trainable().forEach((name, array) -> before.put(name, array.duplicate()));
            int[] labels = {0, 1, 0, 1, 1, 0, 1, 0};
            float[] pixels = new float[8 * 3 * 16 * 16];
            java.util.Random random = new java.util.Random(5);
            for (int i = 0; i < pixels.length; i++) {
                int image = i / (3 * 16 * 16);
                int row = (i / 16) % 16;
                boolean bright = (row < 8) == (labels[image] == 0);
                pixels[i] = (float) (0.3 * random.nextGaussian() + (bright ? 1.5 : 0));
            }
            NDArray images = manager.create(pixels, new Shape(8, 3, 16, 16));
            NDArray oneHot = manager.create(labels).oneHot(2);
            Trainer<Integer> trainer = new Trainer<>(tuned.trainable(), sgd, (step, batch) -> {
                NDArray logits = tuned.forward(ForwardInput.ofPixels(images).withTraining(true)).logits();
                return logits.logSoftmax(-1).mul(oneHot).sum(new int[] {1}).neg().mean();
            });
            List<Double> losses = trainer.fit(() -> List.of(0).iterator(), Trainer.Settings.steps(15)).losses();
            System.out.println("VPT-deep toy task losses " + losses);
            assertTrue(losses.get(losses.size() - 1) < 0.5 * losses.get(0), losses.toString());
            // every trained tensor moved; nothing of the ViT is trainable
            tuned.trainable().forEach((name, array) -> assertTrue(maxAbsDiff(array, before.get(name)) > 0, name));
            assertTrue(vit.trainable().isEmpty());
        }
    }

    /** Trained with the Trainer, saved as a checkpoint, restored on the same ViT: the same logits. */
    @Test
    void aCheckpointRestoresTheTrainedModel(@org.junit.jupiter.api.io.TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 15);
             VisualPromptTuning tuned = VisualPrompt.on(vit).length(2).deep().projection(5).classes(3).seed(2)
                     .build(manager);
             Sgd sgd = new Sgd(List.of(ParameterGroup.all(0.1, 0)), LearningRateSchedule.constant(), manager, 0.9)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            Trainer<Integer> trainer = new Trainer<>(tuned.trainable(), sgd, (step, batch) ->
                    tuned.forward(ForwardInput.ofPixels(pixels).withTraining(true)).logits().square().mean());
            trainer.fit(() -> List.of(0).iterator(), Trainer.Settings.steps(2));
            trainer.checkpoint(tuned.config()).save(dir.resolve("vpt"));
            org.softprompt.train.TrainingCheckpoint saved = org.softprompt.train.TrainingCheckpoint.load(
                    dir.resolve("vpt"), manager);
            try (VisualPromptTuning fresh = VisualPrompt.on(vit).length(2).deep().projection(5).classes(3).seed(2)
                    .build(manager);
                 VisualPromptTuning restored = VisualPrompt.restore(vit, saved.config(), saved.parameters(),
                         manager)) {
                NDArray expected = tuned.forward(ForwardInput.ofPixels(pixels)).logits();
                assertEquals(0f, maxAbsDiff(restored.forward(ForwardInput.ofPixels(pixels)).logits(), expected));
                // training did change the model: a fresh build with the same seed differs
                assertTrue(maxAbsDiff(fresh.forward(ForwardInput.ofPixels(pixels)).logits(), expected) > 1e-4);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> fresh.loadTrained(Map.of("head.weight", saved.parameters().get("head.weight"))));
                assertTrue(e.getMessage().contains("prompt.embeddings"), e.getMessage());
            }
        }
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable action) {
        Exception e = assertThrows(Exception.class, action);
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should mention " + expected);
    }

    private static Path fixture(String name) {
        return org.softprompt.SharedFixtures.hfFixture(name);
    }
}
