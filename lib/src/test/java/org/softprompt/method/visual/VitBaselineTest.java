package org.softprompt.method.visual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.Vit;
import org.softprompt.backbone.VitConfig;

class VitBaselineTest {
    private static final VitConfig TINY = VitConfig.of(16, 4, 24, 3, 4, 48, 5);
    private static NDManager root;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    /** The trained ViT weights of each protocol, by name, and gradients reach exactly those and the head. */
    @Test
    void eachProtocolTrainsItsWeightsAndTheHead() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 1)) {
            List<String> all = vit.weights().names();
            for (VitBaseline.Protocol protocol : VitBaseline.Protocol.values()) {
                Set<String> expected = new TreeSet<>();
                for (String name : all) {
                    boolean trained = switch (protocol) {
                        case FULL -> !name.startsWith("classifier.");
                        case LINEAR -> false;
                        case PARTIAL_1 -> name.startsWith("vit.encoder.layer.2.") || name.startsWith("vit.layernorm.");
                        case BIAS -> name.endsWith(".bias") && !name.startsWith("classifier.");
                    };
                    if (trained) {
                        expected.add(name);
                    }
                }
                expected.add("head.weight");
                expected.add("head.bias");
                try (VitBaseline baseline = VitBaseline.of(protocol, vit, 3, manager, 7)) {
                    assertEquals(expected, new TreeSet<>(baseline.trainable().keySet()), protocol.toString());
                    try (NDManager step = manager.newSubManager();
                         GradientCollector collector = manager.getEngine().newGradientCollector()) {
                        NDArray pixels = step.randomNormal(new Shape(2, 3, 16, 16));
                        ForwardOutput out = baseline.forward(ForwardInput.ofPixels(pixels).withTraining(true));
                        assertEquals(new Shape(2, 3), out.logits().getShape());
                        collector.backward(out.logits().square().mean());
                    }
                    baseline.trainable().forEach((name, array) ->
                            assertTrue(array.getGradient().abs().sum().getFloat() > 0, protocol + ": " + name));
                    vit.weights().asMap().forEach((name, array) -> {
                        if (!expected.contains(name)) {
                            assertFalse(array.hasGradient(), protocol + ": " + name + " should be frozen");
                        }
                    });
                    assertEquals("vit-" + protocol.configName(), baseline.config().get("method").getAsString());
                }
                assertTrue(vit.trainable().isEmpty(), protocol + " left the ViT unfrozen after close");
            }
            // per layer q, k, v, attention output, intermediate, output and two LayerNorm biases; then the patch
            // embedding's, the final LayerNorm's and the (untrained) classifier's
            assertEquals(3 * 8 + 3, all.stream().filter(n -> n.endsWith(".bias")).count());
        }
    }

    /** The linear probe is the frozen ViT's final [CLS] through the head; the input is not changed. */
    @Test
    void linearProbeIsTheHeadOnFrozenClsFeatures() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 2);
             VitBaseline probe = VitBaseline.linearProbe(vit, 4, manager, 3)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            ForwardInput input = ForwardInput.ofPixels(pixels);
            assertTrue(probe.enter(input) == input);
            NDArray cls = vit.forward(input).lastHiddenState().get(":, 0");
            NDArray expected = cls.matMul(probe.trainable().get("head.weight").transpose())
                    .add(probe.trainable().get("head.bias"));
            assertTrue(probe.forward(input).logits().sub(expected).abs().max().getFloat() < 1e-5);
            assertEquals(4L * 24 + 4, probe.trainedParameterCount());
        }
    }

    /** Only full fine-tuning runs the ViT in training mode; the partly frozen protocols keep it in evaluation mode. */
    @Test
    void onlyFullFineTuningTurnsTheViTsDropoutOn() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY.withDropout(0.5), manager, 4)) {
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 16, 16));
            for (VitBaseline.Protocol protocol : VitBaseline.Protocol.values()) {
                try (VitBaseline baseline = VitBaseline.of(protocol, vit, 2, manager, 1)) {
                    NDArray eval = baseline.forward(ForwardInput.ofPixels(pixels)).logits();
                    NDArray training = baseline.forward(ForwardInput.ofPixels(pixels).withTraining(true)).logits();
                    float difference = eval.sub(training).abs().max().getFloat();
                    if (protocol == VitBaseline.Protocol.FULL) {
                        assertTrue(difference > 1e-3, "full fine-tuning should use dropout");
                    } else {
                        assertEquals(0f, difference, protocol.toString());
                    }
                }
            }
        }
    }

    @Test
    void refusesAViTThatIsAlreadyPartlyTrainable() {
        try (NDManager manager = root.newSubManager(); Vit vit = Vit.random(TINY, manager, 3)) {
            try (VitBaseline bias = VitBaseline.biasOnly(vit, 2, manager, 0)) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> VitBaseline.fullFineTuning(vit, 2, manager, 0));
                assertTrue(e.getMessage().contains("frozen"), e.getMessage());
                assertThrows(IllegalStateException.class, () -> VisualPrompt.on(vit).build(manager));
            }
            try (VisualPromptTuning vpt = VisualPrompt.on(vit).build(manager)) {
                assertTrue(vpt.trainable().size() == 3);
            }
        }
    }
}
