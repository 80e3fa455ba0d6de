package org.softprompt.method.deep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.BertConfig;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;

class PromptTuningTest {
    private static final BertConfig TINY = BertConfig.of(60, 24, 2, 4, 48, 40).withDropout(0);
    private static NDManager root;
    private static Bert bert;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
        bert = Bert.random(TINY, root, 3);
    }

    @AfterAll
    static void stop() {
        bert.close();
        root.close();
    }

    @Test
    void tokenInitCopiesWordEmbeddingsAndSampledInitStaysInRange() {
        try (NDManager m = root.newSubManager();
             PromptTuning prompt = PromptTuning.on(bert).length(3).init(PromptInit.tokens(11, 12)).build(m)) {
            NDArray table = bert.weight("bert.embeddings.word_embeddings.weight");
            NDArray expected = table.get(m.create(new int[] {11, 12, 11}));
            assertArrayEquals(expected.toFloatArray(), prompt.trainable().get(PromptTuning.PROMPT).toFloatArray(), 0f);
        }
        assertThrows(IllegalArgumentException.class, () -> PromptTuning.on(bert).length(2)
                .init(PromptInit.tokens(60)).build(root));
        try (NDManager m = root.newSubManager();
             PromptTuning prompt = PromptTuning.on(bert).length(30).init(PromptInit.uniform()).build(m)) {
            float[] values = prompt.trainable().get(PromptTuning.PROMPT).toFloatArray();
            for (float v : values) {
                assertTrue(v >= -0.5f && v <= 0.5f);
            }
        }
    }

    @Test
    void inputEmbeddingPromptsEqualPrependingTheirTokens() {
        // prompts initialized from tokens 11 and 12 behave exactly like the text "11 12 <input>"
        try (NDManager m = root.newSubManager();
             PromptTuning prompt = PromptTuning.on(bert).length(2).init(PromptInit.tokens(11, 12)).build(m)) {
            NDArray ids = m.create(new long[] {2, 30, 31, 3, 2, 40, 3, 0}, new Shape(2, 4));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4));
            NDArray types = m.create(new long[] {0, 0, 1, 1, 0, 0, 1, 1}, new Shape(2, 4));
            ForwardOutput prompted = prompt.forward(ForwardInput.ofIds(ids).withAttentionMask(mask)
                    .withTokenTypeIds(types).withHiddenStates(true));
            NDArray longIds = m.create(new long[] {11, 12, 2, 30, 31, 3, 11, 12, 2, 40, 3, 0}, new Shape(2, 6));
            NDArray longMask = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 6));
            NDArray longTypes = m.create(new long[] {0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1}, new Shape(2, 6));
            ForwardOutput reference = bert.forward(ForwardInput.ofIds(longIds).withAttentionMask(longMask)
                    .withTokenTypeIds(longTypes));
            assertEquals(new Shape(2, 4, 24), prompted.lastHiddenState().getShape());
            assertEquals(new Shape(2, 4, 60), prompted.logits().getShape());
            assertEquals(3, prompted.hiddenStates().size());
            assertNull(prompted.pooledOutput(), "BERT's pooler would read the first prompt, not [CLS]");
            float diff = reference.lastHiddenState().get(":, 2:, :").sub(prompted.lastHiddenState()).abs().max()
                    .getFloat();
            assertTrue(diff < 1e-6, "differs by " + diff);
        }
    }

    @Test
    void afterEmbeddingPromptsKeepTheTextsPositions() {
        try (NDManager m = root.newSubManager();
             PromptTuning prompt = PromptTuning.on(bert).length(3).placement(PromptTuning.Placement.AFTER_EMBEDDINGS)
                     .build(m)) {
            NDArray ids = m.create(new long[] {2, 30, 31, 3, 2, 40, 3, 0}, new Shape(2, 4));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4));
            ForwardInput in = ForwardInput.ofIds(ids).withAttentionMask(mask).withHiddenStates(true);
            ForwardOutput frozen = bert.forward(in);
            ForwardOutput prompted = prompt.forward(in);
            // the embedding output of the text is untouched (positions 0..T-1), the layers see the prompts
            assertArrayEquals(frozen.hiddenStates().get(0).toFloatArray(),
                    prompted.hiddenStates().get(0).toFloatArray(), 0f);
            float diff = frozen.lastHiddenState().sub(prompted.lastHiddenState()).abs().max().getFloat();
            assertTrue(diff > 1e-4);
        }
    }

    @Test
    void onlyThePromptGetsAGradient() {
        try (NDManager m = root.newSubManager();
             PromptTuning prompt = PromptTuning.on(bert).length(2).build(m)) {
            NDArray ids = m.create(new long[] {2, 30, 31, 3}, new Shape(1, 4));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(prompt.forward(ForwardInput.ofIds(ids)).lastHiddenState().get(":, 0, :").sum());
            }
            NDArray p = prompt.trainable().get(PromptTuning.PROMPT);
            assertTrue(p.getGradient().abs().sum().getFloat() > 0);
            for (String name : bert.weights().names()) {
                assertFalse(bert.weight(name).hasGradient(), name);
            }
        }
    }
}
