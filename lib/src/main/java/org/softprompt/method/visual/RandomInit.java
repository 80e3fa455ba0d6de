package org.softprompt.method.visual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * The initializations VPT's official code uses, drawn from a Java generator seeded by the method's seed and the
 * tensor's name: a tensor's values depend on neither the other tensors nor the engine's global random state.
 */
final class RandomInit {
    private RandomInit() {}

    /**
     * VPT's prompt initialization: xavier uniform as if the prompt were the output of the patch embedding, whose
     * fan-in is channels * p * p: U(-v, v) with v = sqrt(6 / (channels * p^2 + promptDim)).
     */
    static double xavierBound(int channels, int patchSize, int promptDim) {
        return Math.sqrt(6.0 / (channels * patchSize * patchSize + promptDim));
    }

    static NDArray uniform(NDManager manager, Shape shape, double low, double high, long seed, String name) {
        SplittableRandom random = generator(seed, name);
        return fill(manager, shape, () -> low + (high - low) * random.nextDouble(), name);
    }

    static NDArray normal(NDManager manager, Shape shape, double std, long seed, String name) {
        SplittableRandom random = generator(seed, name);
        return fill(manager, shape, () -> std * random.nextGaussian(), name);
    }

    /** torch.nn.init.kaiming_normal_(w, a=0, mode='fan_out') for a linear weight [out, in]: std sqrt(2 / out). */
    static NDArray kaimingNormalFanOut(NDManager manager, Shape linearWeight, long seed, String name) {
        return normal(manager, linearWeight, Math.sqrt(2.0 / linearWeight.get(0)), seed, name);
    }

    /** nn.Linear's default bias: U(-1/sqrt(in), 1/sqrt(in)). */
    static NDArray linearBias(NDManager manager, long out, long in, long seed, String name) {
        double bound = 1 / Math.sqrt(in);
        return uniform(manager, new Shape(out), -bound, bound, seed, name);
    }

    static NDArray constant(NDManager manager, Shape shape, double value, String name) {
        return fill(manager, shape, () -> value, name);
    }

    private static NDArray fill(NDManager manager, Shape shape, DoubleSupplier values, String name) {
        float[] data = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) values.getAsDouble();
        }
        // manager.create shares a Java direct buffer; the copy moves the values into PyTorch's own memory
        try (NDArray shared = manager.create(data, shape)) {
            NDArray array = shared.duplicate();
            array.setName(name);
            return array;
        }
    }

    private static SplittableRandom generator(long seed, String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L;
        }
        return new SplittableRandom(h ^ (h >>> 29));
    }
}
