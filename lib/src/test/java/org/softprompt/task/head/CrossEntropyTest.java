package org.softprompt.task.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;

class CrossEntropyTest {

    @Test
    void meanOverNonIgnoredPositionsAsPyTorch() {
        try (NDManager m = Engines.newManager()) {
            float[] logits = {1, 2, 0.5f, -1, 0, 3, 2, 2, 2};
            long[] labels = {1, CrossEntropy.IGNORE_INDEX, 0};
            double expected = 0;
            for (int row : new int[] {0, 2}) {
                double sum = 0;
                for (int c = 0; c < 3; c++) {
                    sum += Math.exp(logits[row * 3 + c]);
                }
                expected += Math.log(sum) - logits[row * 3 + (int) labels[row]];
            }
            expected /= 2;
            float got = CrossEntropy.mean(m.create(logits, new Shape(3, 3)), m.create(labels)).getFloat();
            assertEquals(expected, got, 1e-6);
            long[] none = {CrossEntropy.IGNORE_INDEX, CrossEntropy.IGNORE_INDEX, CrossEntropy.IGNORE_INDEX};
            assertEquals(0f, CrossEntropy.mean(m.create(logits, new Shape(3, 3)), m.create(none)).getFloat(), 0f);
            assertThrows(IllegalArgumentException.class,
                    () -> CrossEntropy.mean(m.create(logits, new Shape(3, 3)), m.create(new long[] {3, 0, 0})));
        }
    }

    /** The label-shifting loss equals slicing the logits, in value and in its gradient (ignored positions included). */
    @Test
    void nextTokenLossEqualsTheSlicedLogitsLoss() {
        try (NDManager m = Engines.newManager()) {
            int batch = 3;
            int length = 5;
            int vocab = 7;
            Random random = new Random(11);
            float[] values = new float[batch * length * vocab];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian() * 2;
            }
            long[] labels = new long[batch * length];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = i % 4 == 1 ? CrossEntropy.IGNORE_INDEX : random.nextInt(vocab);
            }
            NDArray ids = m.create(labels, new Shape(batch, length));
            float[][] losses = new float[2][];
            float[][] gradients = new float[2][];
            for (int way = 0; way < 2; way++) {
                NDArray logits = m.create(values, new Shape(batch, length, vocab));
                logits.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = way == 0 ? CrossEntropy.nextToken(logits, ids)
                            : CrossEntropy.mean(logits.get(new NDIndex(":, :-1, :")), ids.get(new NDIndex(":, 1:")));
                    collector.backward(loss);
                    losses[way] = new float[] {loss.getFloat()};
                }
                gradients[way] = logits.getGradient().toFloatArray();
            }
            assertEquals(losses[1][0], losses[0][0], 1e-6);
            assertTrue(losses[0][0] > 0.5, "a real loss, not an empty mean: " + losses[0][0]);
            double worst = 0;
            double largest = 0;
            for (int i = 0; i < gradients[0].length; i++) {
                worst = Math.max(worst, Math.abs(gradients[0][i] - gradients[1][i]));
                largest = Math.max(largest, Math.abs(gradients[1][i]));
            }
            assertTrue(largest > 1e-3 && worst < 1e-7, "gradients differ by " + worst + " (largest " + largest + ")");
            // the last position predicts nothing: its logits get no gradient
            for (int b = 0; b < batch; b++) {
                for (int v = 0; v < vocab; v++) {
                    assertEquals(0f, gradients[0][(b * length + length - 1) * vocab + v], 0f);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> CrossEntropy.nextToken(
                    m.create(values, new Shape(batch * length, vocab)), ids));
        }
    }
}
