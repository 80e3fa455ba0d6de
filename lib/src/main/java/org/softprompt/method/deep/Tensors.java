package org.softprompt.method.deep;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** The few tensor operations the prompt methods need, following the backbone's memory rules. */
final class Tensors {
    private Tensors() {}

    /**
     * A trainable float tensor with values from a Java generator seeded by {@code seed} and {@code name}, so the
     * initial values do not depend on the engine's global random state or on the other tensors.
     *
     * @param uniform true: U(-scale, scale); false: N(0, scale^2)
     */
    static NDArray random(NDManager manager, String name, Shape shape, double scale, boolean uniform, long seed) {
        float[] values = new float[Math.toIntExact(shape.size())];
        SplittableRandom random = new SplittableRandom(mix(seed, name));
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (uniform ? random.nextDouble(-scale, scale) : scale * random.nextGaussian());
        }
        return parameter(manager, name, values, shape);
    }

    /** A trainable tensor holding {@code values}. */
    static NDArray parameter(NDManager manager, String name, float[] values, Shape shape) {
        NDArray array;
        // manager.create shares a Java buffer; duplicate moves the values into PyTorch's own memory
        try (NDArray shared = manager.create(values, shape)) {
            array = shared.duplicate();
        }
        array.setName(name);
        array.setRequiresGradient(true);
        return array;
    }

    /** A trainable copy of {@code source} (values only) in {@code manager}. */
    static NDArray copyOf(NDManager manager, String name, NDArray source) {
        return parameter(manager, name, source.toFloatArray(), source.getShape());
    }

    /**
     * A view of {@code array} owned by {@code scope}: results computed from it land in the scope (DJL places an
     * op's result in the manager of the array it is called on) while gradients still reach {@code array}.
     */
    static NDArray local(NDManager scope, NDArray array) {
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }

    /** Inverted dropout as torch's (kept values scaled by 1/(1-p)); identity unless training. */
    static NDArray dropout(NDArray x, double p, boolean training) {
        if (!training || p == 0) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, (float) p, true).singletonOrThrow();
    }

    private static long mix(long seed, String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L;
        }
        return h ^ (h >>> 29);
    }
}
