package org.softprompt.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;

class CausalLmBatchTest {
    private static final int[] SEP = {9};
    private static final int EOS = 7;
    private static final int PAD = 0;

    @Test
    void layoutLabelsAndPositions() {
        try (NDManager m = Engines.newManager()) {
            CausalLmBatch left = CausalLmBatch.pairs(List.of(new int[] {1, 2}, new int[] {4}),
                    List.of(new int[] {3}, new int[] {5, 6, 8}), SEP, EOS, PAD, CausalLmBatch.Padding.LEFT, m);
            // row 0: 1 2 SEP 3 EOS after one pad on the left; row 1: 4 SEP 5 6 8 EOS
            assertArrayEquals(new long[] {0, 1, 2, 9, 3, 7, 4, 9, 5, 6, 8, 7}, left.inputIds().toLongArray());
            assertArrayEquals(new long[] {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, left.attentionMask().toLongArray());
            assertArrayEquals(new long[] {0, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5}, left.positionIds().toLongArray());
            long i = CausalLmBatch.IGNORE;
            assertArrayEquals(new long[] {i, i, i, i, 3, 7, i, i, 5, 6, 8, 7}, left.labels().toLongArray());
            assertEquals(6, left.targetTokenCount());

            CausalLmBatch right = CausalLmBatch.pairs(List.of(new int[] {1, 2}), List.of(new int[] {3}), SEP, -1,
                    PAD, CausalLmBatch.Padding.RIGHT, m);
            assertArrayEquals(new long[] {1, 2, 9, 3}, right.inputIds().toLongArray());
            assertArrayEquals(new long[] {i, i, i, 3}, right.labels().toLongArray());

            CausalLmBatch prompts = CausalLmBatch.prompts(List.of(new int[] {1, 2}, new int[] {4}), SEP, PAD, m);
            assertArrayEquals(new long[] {1, 2, 9, 0, 4, 9}, prompts.inputIds().toLongArray());
            assertThrows(IllegalStateException.class,
                    () -> prompts.loss(m.zeros(new ai.djl.ndarray.types.Shape(2, 3, 10))));
        }
    }

    @Test
    void lossIsTheTargetCrossEntropyAndPaddingDoesNotChangeIt() {
        Path dir = org.softprompt.SharedFixtures.hfFixture("tiny-gpt2");
        try (NDManager m = Engines.newManager(); Gpt2 gpt2 = Gpt2.load(dir, m)) {
            int[] source = {11, 12, 13, 14};
            int[] target = {20, 21};
            CausalLmBatch alone = CausalLmBatch.pairs(List.of(source), List.of(target), SEP, EOS, PAD,
                    CausalLmBatch.Padding.RIGHT, m);
            NDArray logits = gpt2.forward(alone.input()).logits();
            // by hand: -mean of log p(20 | ..SEP), log p(21 | ..20), log p(EOS | ..21)
            NDArray logProbs = logits.logSoftmax(2);
            double expected = -(logProbs.getFloat(0, 4, 20) + logProbs.getFloat(0, 5, 21)
                    + logProbs.getFloat(0, 6, EOS)) / 3.0;
            assertEquals(expected, alone.loss(logits).getFloat(), 1e-5);

            for (CausalLmBatch.Padding padding : CausalLmBatch.Padding.values()) {
                CausalLmBatch batch = CausalLmBatch.pairs(List.of(source, new int[] {30}),
                        List.of(target, new int[] {31, 32, 33, 34, 35}), SEP, EOS, PAD, padding, m);
                ForwardInput in = batch.input();
                NDArray both = gpt2.forward(in).logits();
                CausalLmBatch second = CausalLmBatch.pairs(List.of(new int[] {30}),
                        List.of(new int[] {31, 32, 33, 34, 35}), SEP, EOS, PAD, padding, m);
                double mean = (alone.loss(logits).getFloat() * 3 + second.loss(gpt2.forward(second.input()).logits())
                        .getFloat() * 6) / 9.0;
                assertEquals(mean, batch.loss(both).getFloat(), 1e-5, padding.name());
            }
        }
    }
}
