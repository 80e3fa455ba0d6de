package org.softprompt.task.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.softprompt.backbone.Backbone;

/** Creation and use of head tensors, following the backbone's memory rules. */
final class HeadTensors {
    private HeadTensors() {}

    /**
     * transformers' _init_weights for a new nn.Linear: weight N(0, initializer_range), bias zero; values from a
     * Java generator seeded by {@code seed} and the name, independent of the engine's global random state.
     */
    static NDArray normalWeight(NDManager manager, String name, Shape shape, double std, long seed) {
        float[] values = new float[Math.toIntExact(shape.size())];
        SplittableRandom random = new SplittableRandom(mix(seed, name));
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (std * random.nextGaussian());
        }
        return parameter(manager, name, values, shape);
    }

    static NDArray zeroBias(NDManager manager, String name, long size) {
        return parameter(manager, name, new float[Math.toIntExact(size)], new Shape(size));
    }

    private static NDArray parameter(NDManager manager, String name, float[] values, Shape shape) {
        NDArray array;
        try (NDArray shared = manager.create(values, shape)) {
            array = shared.duplicate();
        }
        array.setName(name);
        array.setRequiresGradient(true);
        return array;
    }

    /** torch.nn.Linear: x W^T + b; the result lives in x's manager. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /** Inverted dropout as torch's; identity unless training. */
    static NDArray dropout(NDArray x, double p, boolean training) {
        if (!training || p == 0) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, (float) p, true).singletonOrThrow();
    }

    static double requireDropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        }
        return p;
    }

    /** The single weight whose name ends with {@code suffix}, e.g. "pooler.dense.weight". */
    static String findWeight(Backbone backbone, String suffix) {
        String found = null;
        for (String name : backbone.weights().names()) {
            if (name.endsWith(suffix)) {
                if (found != null) {
                    throw new IllegalStateException(backbone.architecture() + " has two tensors ending in " + suffix
                            + ": " + found + " and " + name);
                }
                found = name;
            }
        }
        return found;
    }

    private static long mix(long seed, String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L;
        }
        return h ^ (h >>> 29);
    }
}
