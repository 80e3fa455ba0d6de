package org.softprompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import org.junit.jupiter.api.Test;

/** Arithmetic with Java numbers whose scalar survives until backward (see {@link Tensors}). */
class TensorsTest {
    private static final int TRIALS = 10;

    /**
     * Forward, then let the garbage collector free every unreachable direct buffer and reuse the memory with NaN,
     * then backward: how many of {@link #TRIALS} gradients of {@code op(x, 3)} came out wrong.
     */
    private static int wrongGradients(BiFunction<NDArray, Double, NDArray> op, float expected) throws Exception {
        Engines.pytorch();
        int wrong = 0;
        try (NDManager manager = Engines.newManager()) {
            for (int trial = 0; trial < TRIALS; trial++) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray x = scope.ones(new Shape(4));
                    x.setRequiresGradient(true);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray y = op.apply(x, 3.0).sum();
                        churnFreedDirectMemory();
                        collector.backward(y);
                    }
                    float[] gradient = x.getGradient().toFloatArray();
                    for (float g : gradient) {
                        if (Math.abs(g - expected) > 1e-6) {
                            wrong++;
                            break;
                        }
                    }
                }
            }
        }
        return wrong;
    }

    private static void churnFreedDirectMemory() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20); // the Cleaner thread frees the unreachable direct buffers
        }
        List<ByteBuffer> reuse = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
            b.putFloat(0, Float.NaN);
            reuse.add(b);
        }
        reuse.clear();
    }

    @Test
    void gradientsOfScalarOpsSurviveGarbageCollectionBeforeBackward() throws Exception {
        assertEquals(0, wrongGradients(Tensors::times, 3f), "x * 3");
        assertEquals(0, wrongGradients(Tensors::dividedBy, 1f / 3), "x / 3");
        // x.mul(x) saves x itself, which the scope owns; the in-place product then saves the scalar
        assertEquals(0, wrongGradients((x, c) -> Tensors.timesInPlace(x.mul(x), c), 6f), "(x * x) *= 3");
    }

    /**
     * The hazard the helpers exist for, kept visible: DJL's own {@code x.mul(Number)} hands autograd a scalar in a
     * Java buffer that is freed on the next collection. If this starts failing, a DJL release fixed it and
     * {@link Tensors} can say so.
     */
    @Test
    void djlsOwnScalarOpsLoseTheirScalarBeforeBackward() throws Exception {
        int wrong = wrongGradients((x, c) -> x.mul(c), 3f);
        System.out.println("DJL x.mul(3.0): " + wrong + " of " + TRIALS + " gradients wrong after a collection");
        org.junit.jupiter.api.Assertions.assertTrue(wrong > 0, "DJL's x.mul(Number) kept its scalar alive");
    }

    @Test
    void arraysFromJavaValuesHoldTheirValues() {
        Engines.pytorch();
        try (NDManager manager = Engines.newManager()) {
            assertArrayEquals(new float[] {1.5f, -2f}, Tensors.floats(manager, new float[] {1.5f, -2f}).toFloatArray());
            NDArray longs = Tensors.longs(manager, new long[] {1, 2, 3, 4}, new Shape(2, 2));
            assertEquals(new Shape(2, 2), longs.getShape());
            assertArrayEquals(new long[] {1, 2, 3, 4}, longs.toLongArray());
            assertEquals(3f, Tensors.scalar(longs.toType(ai.djl.ndarray.types.DataType.FLOAT32, false), 3)
                    .getFloat());
        }
    }
}
