package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;

class SingleRowProductTest {

    /** The reference: libtorch's linear in one call. */
    private static float[] single(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow().toFloatArray();
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    /**
     * An odd number of output features (GPT-2's vocabulary is 50,257), a bias, a [1, 1, in] input as in cached
     * decoding, and GPT-2's Conv1D weights (a transposed view): the split product equals the single call, in shape
     * and values, and leaves nothing behind in the weight's manager.
     */
    @Test
    void equalsTheSingleCallWhereItApplies() {
        try (NDManager weights = Engines.newManager(); NDManager scope = Engines.newManager()) {
            NDArray vocabulary = weights.randomNormal(new Shape(20011, 448));
            NDArray bias = weights.randomNormal(new Shape(20011));
            NDArray conv1d = weights.randomNormal(new Shape(1024, 3072));
            NDArray conv1dBias = weights.randomNormal(new Shape(3072));
            NDArray x = scope.randomNormal(new Shape(1, 1, 448));
            NDArray wide = scope.randomNormal(new Shape(1, 1024));
            int weightArrays = weights.getManagedArrays().size();

            assertTrue(SingleRowProduct.applies(x, vocabulary, bias) || JniUtils.getNumThreads() < 2,
                    "a one-row product with a 9.0M-element weight should be split when libtorch has threads");
            NDArray split = SingleRowProduct.linear(x, vocabulary, bias);
            assertEquals(new Shape(1, 1, 20011), split.getShape());
            assertClose(single(x, vocabulary, bias), split.toFloatArray());
            assertClose(single(x, vocabulary, null), SingleRowProduct.linear(x, vocabulary, null).toFloatArray());

            NDArray transposed = conv1d.transpose();
            transposed.attach(scope);
            assertClose(single(wide, transposed, conv1dBias),
                    SingleRowProduct.linear(wide, transposed, conv1dBias).toFloatArray());
            // what the backbones call
            assertClose(single(wide, transposed, conv1dBias), Nn.conv1d(wide, conv1d, conv1dBias).toFloatArray());
            assertEquals(scope, split.getManager());
            assertEquals(weightArrays, weights.getManagedArrays().size(), "views must not pile up in the weights");
        }
    }

    /** Several rows, a small weight, or anything that records gradients take libtorch's single call. */
    @Test
    void leavesOtherProductsToTheSingleCall() {
        try (NDManager manager = Engines.newManager()) {
            NDArray big = manager.randomNormal(new Shape(16384, 512));
            NDArray small = manager.randomNormal(new Shape(64, 512));
            NDArray row = manager.randomNormal(new Shape(1, 512));
            NDArray rows = manager.randomNormal(new Shape(2, 512));
            assertTrue(SingleRowProduct.applies(row, big, null) || JniUtils.getNumThreads() < 2,
                    "the control: one row and an 8.4M-element weight without gradients");
            assertFalse(SingleRowProduct.applies(rows, big, null));
            assertFalse(SingleRowProduct.applies(row, small, null));
            // a GPT-2-small MLP weight: faster as one call (BENCHMARKS.md)
            assertFalse(SingleRowProduct.applies(manager.randomNormal(new Shape(1, 768)),
                    manager.randomNormal(new Shape(3072, 768)), null));
            NDArray trained = big.duplicate();
            trained.setRequiresGradient(true);
            assertFalse(SingleRowProduct.applies(row, trained, null));
            NDArray bias = manager.zeros(new Shape(16384));
            bias.setRequiresGradient(true);
            assertFalse(SingleRowProduct.applies(row, big, bias));
            NDArray input = row.duplicate();
            input.setRequiresGradient(true);
            assertFalse(SingleRowProduct.applies(input, big, null));
            assertArrayEquals(single(rows, big, null), Nn.linear(rows, big, null).toFloatArray());
        }
    }
}
