package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

import org.softprompt.Tensors;

/**
 * The few torch.nn building blocks the methods need: Linear with PyTorch's layout, and torch's default
 * initializations drawn from a Java generator.
 */
public final class TorchLayers {
    private TorchLayers() {}

    /** torch.nn.functional.linear: x W^T + b with W [out, in]; the result lives in x's manager. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * A float32 array of {@code shape} drawn from U(-bound, bound) with {@code random}: torch.nn.Linear's default
     * initialization (kaiming_uniform with a = sqrt(5)) is U(-1/sqrt(in), 1/sqrt(in)) for weight and bias alike.
     */
    public static NDArray uniform(NDManager manager, Shape shape, double bound, Random random) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return Tensors.floats(manager, values, shape);
    }

    /** N(0, std^2) values (torch.nn.Embedding's default is std 1). */
    public static NDArray normal(NDManager manager, Shape shape, double std, Random random) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return Tensors.floats(manager, values, shape);
    }
}
