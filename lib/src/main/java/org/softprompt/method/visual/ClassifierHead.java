package org.softprompt.method.visual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

import org.softprompt.backbone.ForwardOutput;

/**
 * The linear head every VPT protocol trains on the final [CLS] (after the ViT's final LayerNorm), initialized as
 * the official code's MLP head with no hidden layer: kaiming-normal (fan-out) weights and the "special bias"
 * -log((1 - 0.01) / 0.01) on every class.
 */
final class ClassifierHead {
    static final String WEIGHT = "head.weight";
    static final String BIAS = "head.bias";
    /** The official head's bias prior: every class starts at probability 0.01 under a sigmoid. */
    private static final double PRIOR_PROBABILITY = 0.01;

    private final NDArray weight;
    private final NDArray bias;

    ClassifierHead(NDManager manager, int hiddenSize, int classes, long seed) {
        if (classes < 1) {
            throw new IllegalArgumentException("the head needs at least one class, got " + classes);
        }
        weight = RandomInit.kaimingNormalFanOut(manager, new Shape(classes, hiddenSize), seed, WEIGHT);
        bias = RandomInit.constant(manager, new Shape(classes),
                -Math.log((1 - PRIOR_PROBABILITY) / PRIOR_PROBABILITY), BIAS);
        weight.setRequiresGradient(true);
        bias.setRequiresGradient(true);
    }

    int classes() {
        return (int) weight.getShape().get(0);
    }

    void addTo(Map<String, NDArray> trainable) {
        trainable.put(WEIGHT, weight);
        trainable.put(BIAS, bias);
    }

    Map<String, NDArray> tensors() {
        Map<String, NDArray> map = new LinkedHashMap<>();
        addTo(map);
        return map;
    }

    /** The backbone's output with the head's logits [B, classes] on the final [CLS] in place of the backbone's. */
    ForwardOutput apply(ForwardOutput out) {
        NDArray cls = out.lastHiddenState().get(":, 0");
        NDArray logits = cls.getNDArrayInternal().linear(cls, weight, bias).singletonOrThrow();
        return new ForwardOutput(logits, out.lastHiddenState(), out.hiddenStates(), out.pooledOutput(), out.cache());
    }
}
