package org.softprompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * NDArrays from Java values, and arithmetic with Java numbers, in memory PyTorch owns.
 *
 * <p>Why this exists: on the CPU, DJL's {@code manager.create(float[], long[], a Number, ...)} copies the values
 * into a Java direct buffer and wraps it with {@code torch::from_blob}: the tensor's memory belongs to the JVM and
 * only the one {@code PtNDArray} object holding the buffer keeps it alive. DJL's own {@code x.mul(2.0)},
 * {@code div}, {@code pow}, {@code maximum}, {@code muli} ... (every {@code op(Number)}) create such a scalar and
 * close it as soon as the op returns; but autograd saved that scalar for the backward pass (d(x*c)/dx = c). If the
 * garbage collector runs between forward and backward, it frees the buffer and backward multiplies by whatever
 * now lies there. That was our "intermittent NaN loss" bug: attention's {@code scores.div(sqrt(d))} and GELU's
 * constants, NaN after a dozen good steps, only when a collection struck at the wrong moment (never with
 * {@code -XX:+UseEpsilonGC}, which never frees). The same holds for any view or saved tensor of a
 * {@code create(float[])} array that outlives the array object.
 *
 * <p>Rule in this code base: never call {@code NDArray.op(Number)} on an array that may need a gradient; use
 * {@link #times}, {@link #dividedBy}, {@link #timesInPlace}, whose scalar PyTorch allocates ({@code torch::full})
 * and reference-counts. Make arrays from Java values with {@link #floats}/{@link #longs} where they may outlive
 * the step or be viewed. {@code TensorsTest} shows the hazard and guards the rule.
 */
public final class Tensors {
    private Tensors() {}

    /** A float32 array of {@code shape} holding {@code values}, in memory PyTorch owns. */
    public static NDArray floats(NDManager manager, float[] values, Shape shape) {
        try (NDArray shared = manager.create(values, shape)) {
            return shared.duplicate();
        }
    }

    /** A 1-D float32 array holding {@code values}, in memory PyTorch owns. */
    public static NDArray floats(NDManager manager, float[] values) {
        return floats(manager, values, new Shape(values.length));
    }

    /** An int64 array of {@code shape} holding {@code values}, in memory PyTorch owns. */
    public static NDArray longs(NDManager manager, long[] values, Shape shape) {
        try (NDArray shared = manager.create(values, shape)) {
            return shared.duplicate();
        }
    }

    /** A 1-D int64 array holding {@code values}, in memory PyTorch owns. */
    public static NDArray longs(NDManager manager, long[] values) {
        return longs(manager, values, new Shape(values.length));
    }

    /** A 0-dimensional array holding {@code value} with {@code like}'s type, device and manager, owned by PyTorch. */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /** {@code x * value}, safe to differentiate (see the class comment). */
    public static NDArray times(NDArray x, double value) {
        try (NDArray c = scalar(x, value)) {
            return x.mul(c);
        }
    }

    /** {@code x / value}, safe to differentiate (see the class comment). */
    public static NDArray dividedBy(NDArray x, double value) {
        try (NDArray c = scalar(x, value)) {
            return x.div(c);
        }
    }

    /** {@code x *= value} in place, returning {@code x}; safe to differentiate (see the class comment). */
    public static NDArray timesInPlace(NDArray x, double value) {
        try (NDArray c = scalar(x, value)) {
            return x.muli(c);
        }
    }

    /** An int32 array of {@code shape} holding {@code values}, in memory PyTorch owns. */
    public static NDArray ints(NDManager manager, int[] values, Shape shape) {
        try (NDArray shared = manager.create(values, shape)) {
            return shared.duplicate();
        }
    }
}
