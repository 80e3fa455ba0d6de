package org.softprompt.method.ptuning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * PyTorch's default initializations, drawn from a Java generator seeded by the method seed and the tensor's name, so
 * a tensor's values do not depend on creation order or on the engine's global random state.
 */
final class InitialValues {
    private InitialValues() {}

    /** U(-bound, bound): nn.Linear's and nn.LSTM's default with bound 1/sqrt(fan_in) or 1/sqrt(hidden). */
    static NDArray uniform(NDManager manager, String name, Shape shape, double bound, long seed) {
        SplittableRandom random = random(seed, name);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return trainable(manager, values, shape);
    }

    /** N(0, std^2): nn.Embedding's default with std 1. */
    static NDArray normal(NDManager manager, String name, Shape shape, double std, long seed) {
        SplittableRandom random = random(seed, name);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return trainable(manager, values, shape);
    }

    /** A trainable copy of {@code values}. */
    static NDArray trainable(NDManager manager, float[] values, Shape shape) {
        // manager.create may share a Java direct buffer; duplicate() moves the values into engine memory
        NDArray array;
        try (NDArray shared = manager.create(values, shape)) {
            array = shared.duplicate();
        }
        array.setRequiresGradient(true);
        return array;
    }

    static SplittableRandom random(long seed, String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L;
        }
        return new SplittableRandom(h);
    }
}
