package org.softprompt.task.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.BertConfig;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;

class HeadsTest {
    private static final BertConfig TINY = BertConfig.of(60, 24, 2, 4, 48, 40).withDropout(0);
    private static NDManager root;
    private static Bert bert;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
        bert = Bert.random(TINY, root, 4, true, false);
    }

    @AfterAll
    static void stop() {
        bert.close();
        root.close();
    }

    private static ForwardOutput run(NDManager m) {
        NDArray ids = m.create(new long[] {2, 30, 31, 3, 2, 40, 3, 0}, new Shape(2, 4));
        return bert.forward(ForwardInput.ofIds(ids).withAttentionMask(
                m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4))));
    }

    private static float maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void poolerHeadReadsTheBackbonesPooledOutput() {
        try (NDManager m = root.newSubManager();
             SequenceClassificationHead pooled = SequenceClassificationHead.create(bert, 3, m, 1);
             SequenceClassificationHead cls = SequenceClassificationHead.create(bert, 3,
                     SequenceClassificationHead.Pooling.CLS, 0.1, m, 1)) {
            ForwardOutput out = run(m);
            NDArray w = pooled.trainable().get(SequenceClassificationHead.WEIGHT);
            NDArray b = pooled.trainable().get(SequenceClassificationHead.BIAS);
            assertEquals(new Shape(3, 24), w.getShape());
            assertArrayEquals(new float[3], b.toFloatArray(), 0f);
            NDArray expected = out.pooledOutput().matMul(w.transpose()).add(b);
            assertTrue(maxDiff(expected, pooled.logits(out, false)) < 1e-6);
            NDArray expectedCls = out.lastHiddenState().get(":, 0, :").matMul(w.transpose()).add(b);
            assertTrue(maxDiff(expectedCls, cls.logits(out, false)) < 1e-6);
            int[] predicted = pooled.predict(expected);
            assertArrayEquals(new int[] {(int) expected.get(0).argMax().getLong(),
                    (int) expected.get(1).argMax().getLong()}, predicted);
        }
        try (Bert noPooler = Bert.random(TINY, root, 4, false, false)) {
            assertThrows(IllegalArgumentException.class, () -> SequenceClassificationHead.create(noPooler, 2, root, 1));
        }
    }

    @Test
    void spanHeadLossIsTheMeanOfStartAndEndCrossEntropiesIgnoringPositionsOutside() {
        try (NDManager m = root.newSubManager();
             SpanExtractionHead head = SpanExtractionHead.create(bert, 0, m, 2);
             TokenClassificationHead tagger = TokenClassificationHead.create(bert, 5, 0.1, m, 3)) {
            ForwardOutput out = run(m);
            NDList logits = head.logits(out, false);
            assertEquals(new Shape(2, 4), logits.get(0).getShape());
            NDArray starts = m.create(new long[] {1, 2});
            NDArray ends = m.create(new long[] {2, 9});   // 9 is outside the 4 tokens: ignored
            float loss = head.loss(logits, starts, ends).getFloat();
            float startLoss = CrossEntropy.mean(logits.get(0), starts).getFloat();
            float endLoss = CrossEntropy.mean(logits.get(1).get("0:1"), m.create(new long[] {2})).getFloat();
            assertEquals((startLoss + endLoss) / 2, loss, 1e-6);
            assertEquals(new Shape(2, 4, 5), tagger.logits(out, false).getShape());
            assertEquals(2, tagger.predict(tagger.logits(out, false)).length);
        }
    }
}
