package org.softprompt.task.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

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
}
