package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.function.Predicate;

class FreezeTest {
    private static final Gpt2Config TINY = Gpt2Config.of(60, 16, 16, 3, 2).withDropout(0);
    @RegisterExtension
    static final RootManager root = new RootManager();

    @Test
    void everythingIsFrozenAfterLoadingAndSelectionsUnfreezeExactlyTheirNames() {
        try (NDManager manager = root.newSubManager(); Gpt2 model = Gpt2.random(TINY, manager, 1)) {
            assertTrue(model.trainable().isEmpty());
            model.unfreeze(Select.biases());
            List<String> biases = model.weights().names().stream().filter(n -> n.endsWith(".bias")).toList();
            assertEquals(biases, List.copyOf(model.trainable().keySet()));

            model.freezeAll();
            model.unfreeze(model.topLayers(1).or(Select.layerNorms()));
            List<String> expected = model.weights().names().stream()
                    .filter(n -> n.startsWith("transformer.h.2.") || n.contains(".ln_")).toList();
            assertEquals(expected, List.copyOf(model.trainable().keySet()));
            assertTrue(model.trainable().containsKey("transformer.ln_f.weight"));
            assertFalse(model.trainable().containsKey("transformer.h.1.attn.c_attn.weight"));

            model.freeze(Select.startingWith("transformer.h.2."));
            assertTrue(model.trainable().keySet().stream().noneMatch(n -> n.startsWith("transformer.h.2.")));
            model.freezeAll();
            model.unfreeze(model.embeddings());
            assertEquals(List.of("transformer.wte.weight", "transformer.wpe.weight"),
                    List.copyOf(model.trainable().keySet()));
        }
    }

    /** BitFit: a backward pass puts gradients exactly on the unfrozen biases, and all of them get one. */
    @Test
    void backwardReachesOnlyTrainableWeights() {
        try (NDManager manager = root.newSubManager(); Gpt2 model = Gpt2.random(TINY, manager, 2)) {
            Predicate<String> selected = Select.biases();
            model.unfreeze(selected);
            try (NDManager step = manager.newSubManager();
                 GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray ids = Gpt2Test.randomIds(step, 2, 6, 1);
                NDArray logits = model.forward(ForwardInput.ofIds(ids)).logits();
                collector.backward(logits.square().mean());
            }
            model.weights().asMap().forEach((name, array) -> {
                if (selected.test(name)) {
                    assertTrue(array.hasGradient(), name);
                    assertTrue(array.getGradient().abs().sum().getFloat() > 0, name + " has a zero gradient");
                } else {
                    assertFalse(array.hasGradient(), name + " is frozen but has a gradient");
                }
            });
        }
    }

    /** Prefix-Tuning: with every weight frozen, the gradient reaches the prefix key and value and nothing else. */
    @Test
    void gradientReachesPrefixWhileWeightsStayFrozen() {
        try (NDManager manager = root.newSubManager(); Gpt2 model = Gpt2.random(TINY, manager, 3)) {
            NDArray key = manager.randomNormal(new Shape(1, 2, 4, 8));
            NDArray value = manager.randomNormal(new Shape(1, 2, 4, 8));
            key.setRequiresGradient(true);
            value.setRequiresGradient(true);
            LayerPrefixes prefixes = LayerPrefixes.of(null, Prefix.of(key, value), null);
            try (NDManager step = manager.newSubManager();
                 GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray ids = Gpt2Test.randomIds(step, 2, 6, 2);
                NDArray logits = model.forward(ForwardInput.ofIds(ids).withPrefixes(prefixes)).logits();
                collector.backward(logits.square().mean());
            }
            assertTrue(key.getGradient().abs().sum().getFloat() > 0);
            assertTrue(value.getGradient().abs().sum().getFloat() > 0);
            model.weights().asMap().forEach((name, array) -> assertFalse(array.hasGradient(), name));
        }
    }

    /** Prompt tuning through inputsEmbeds: the gradient reaches a soft prompt prepended to the token embeddings. */
    @Test
    void gradientReachesSoftPromptThroughInputsEmbeds() {
        try (NDManager manager = root.newSubManager(); Gpt2 model = Gpt2.random(TINY, manager, 4)) {
            NDArray prompt = manager.randomNormal(0, 0.02f, new Shape(1, 3, 16), ai.djl.ndarray.types.DataType.FLOAT32);
            prompt.setRequiresGradient(true);
            try (NDManager step = manager.newSubManager();
                 GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray ids = Gpt2Test.randomIds(step, 2, 5, 3);
                NDArray tokens = model.weight("transformer.wte.weight").get(ids.flatten()).reshape(2, 5, 16);
                tokens.attach(step);
                NDArray embeds = prompt.repeat(0, 2).concat(tokens, 1);
                embeds.attach(step);
                NDArray logits = model.forward(ForwardInput.ofEmbeds(embeds)).logits();
                assertEquals(new Shape(2, 8, 60), logits.getShape());
                collector.backward(logits.square().mean());
            }
            assertTrue(prompt.getGradient().abs().sum().getFloat() > 0);
            assertTrue(model.trainable().isEmpty());
        }
    }
}
