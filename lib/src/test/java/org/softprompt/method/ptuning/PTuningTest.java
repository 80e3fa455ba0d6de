package org.softprompt.method.ptuning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.softprompt.Engines;
import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.task.prompt.AnswerSlot;
import org.softprompt.task.prompt.PromptBatch;
import org.softprompt.task.prompt.RenderedPrompt;
import org.softprompt.tokenize.BpeVocabulary;
import org.softprompt.tokenize.ByteLevelBpeTrainer;
import org.softprompt.tokenize.Gpt2Tokenizer;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

/** P-tuning on the tiny BERT and GPT-2 fixtures (random weights saved by transformers). */
class PTuningTest {
    private static NDManager manager;
    private static Bert bert;
    private static Gpt2 gpt2;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        bert = Bert.load(fixture("tiny-bert"), manager);
        gpt2 = Gpt2.load(fixture("tiny-gpt2"), manager);
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            bert.close();
            gpt2.close();
            manager.close();
        }
    }

    static Path fixture(String name) {
        return org.softprompt.SharedFixtures.hfFixture(name);
    }

    /**
     * Rows with pseudo tokens at arbitrary positions, in any order, some repeated: every pseudo position's input
     * embedding is exactly the encoder's output row for its slot, every other position exactly its word embedding.
     */
    @ParameterizedTest
    @EnumSource(PromptEncoder.Kind.class)
    void pseudoTokensGetExactlyTheEncodersOutputs(PromptEncoder.Kind kind) {
        for (Backbone backbone : List.of(bert, gpt2)) {
            try (NDManager scope = manager.newSubManager();
                    PTuning pt = PTuning.on(backbone).template("[P] [MASK] [P][P] {x} [P]").encoder(kind).seed(3)
                            .build(scope)) {
                long[][] rows = {
                    {2, -1, 5, -2, -3, 7, 8, -4, 3},
                    {-4, 9, 10, 11, -1, 12, -3, -2, 13},
                    {14, 15, -2, -2, 16, 17, 18, 19, 20},
                };
                NDArray ids = scope.create(flatten(rows), new Shape(3, 9));
                ForwardInput entered = pt.enter(ForwardInput.ofIds(ids));
                assertNull(entered.inputIds());
                float[] embeds = entered.inputsEmbeds().toFloatArray();
                float[] prompts = pt.promptEmbeddings().toFloatArray();
                float[] table = backbone.weight(PTuning.wordEmbeddingName(backbone)).toFloatArray();
                int d = backbone.hiddenSize();
                for (int row = 0; row < 3; row++) {
                    for (int t = 0; t < 9; t++) {
                        long id = rows[row][t];
                        int slot = RenderedPrompt.slotOf(id);
                        float[] source = slot >= 0 ? prompts : table;
                        int sourceRow = slot >= 0 ? slot : (int) id;
                        for (int i = 0; i < d; i++) {
                            assertEquals(source[sourceRow * d + i], embeds[(row * 9 + t) * d + i],
                                    backbone.architecture() + " row " + row + " position " + t);
                        }
                    }
                }
            }
        }
    }

    @Test
    void idsWithoutPseudoTokensAndManualTemplatesPassThrough() {
        try (NDManager scope = manager.newSubManager();
                PTuning pt = PTuning.on(bert).template("[P] {x} [MASK]").build(scope);
                PTuning manual = PTuning.on(bert).template("{x} is the capital of [MASK] .").build(scope)) {
            ForwardInput plain = ForwardInput.ofIds(scope.create(new long[] {2, 5, 3}, new Shape(1, 3)));
            assertSame(plain, pt.enter(plain));
            assertSame(plain, manual.enter(plain));
            assertTrue(manual.trainable().isEmpty());
            assertEquals("manual-prompt", manual.config().get("method").getAsString());
            NDArray wrongSlot = scope.create(new long[] {2, -2, 3}, new Shape(1, 3));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> pt.enter(ForwardInput.ofIds(wrongSlot)))
                    .getMessage().contains("has 1 pseudo tokens"));
        }
    }

    /** GPT-2 reads the answer as the next token after the last position: the logits there, from the full pass. */
    @Test
    void causalAnswerLogitsAreTheNextTokenLogitsAtTheLastPosition() {
        try (NDManager scope = manager.newSubManager();
                PTuning pt = PTuning.on(gpt2).template("[P][P] {x} [P] [MASK]").encoder(PromptEncoder.Kind.MLP)
                        .build(scope)) {
            assertEquals(AnswerSlot.NEXT_TOKEN, pt.answerSlot());
            RenderedPrompt a = new RenderedPrompt(new int[] {-1, -2, 40, 41, 42, -3}, 5, new int[] {0, 1, 5}, 0);
            RenderedPrompt b = new RenderedPrompt(new int[] {-1, -2, 50, -3}, 3, new int[] {0, 1, 3}, 0);
            PromptBatch batch = PromptBatch.of(List.of(a, b), 0, scope);
            NDArray answers = pt.answerLogits(batch, false);
            assertEquals(new Shape(2, gpt2.config().vocabSize()), answers.getShape());
            for (int row = 0; row < 2; row++) {
                RenderedPrompt alone = row == 0 ? a : b;
                NDArray ids = scope.create(java.util.Arrays.stream(alone.ids()).asLongStream().toArray(),
                        new Shape(1, alone.length()));
                ForwardOutput out = pt.forward(ForwardInput.ofIds(ids));
                NDArray expected = out.logits().get(0).get(alone.answerPosition());
                assertTrue(answers.get(row).sub(expected).abs().max().getFloat() < 1e-4, "row " + row);
            }
        }
    }

    /**
     * A few AdamW steps on a fixed batch: the loss falls, the encoder's tensors change, and every backbone tensor
     * is bit for bit what it was (no gradient reaches it).
     */
    @ParameterizedTest
    @EnumSource(PromptEncoder.Kind.class)
    void trainingMovesOnlyThePromptAndLowersTheLoss(PromptEncoder.Kind kind) {
        Map<String, float[]> before = snapshot(bert.weights().asMap());
        try (NDManager scope = manager.newSubManager();
                PTuning pt = PTuning.on(bert).template("[P][P] {x} [P] [MASK] [P]").encoder(kind).seed(5)
                        .build(scope)) {
            Map<String, float[]> promptBefore = snapshot(pt.trainable());
            RenderedPrompt a = new RenderedPrompt(new int[] {2, -1, -2, 40, 41, -3, 4, -4, 3}, 6,
                    new int[] {1, 2, 5, 7}, 0);
            RenderedPrompt b = new RenderedPrompt(new int[] {2, -1, -2, 50, -3, 4, -4, 3}, 5,
                    new int[] {1, 2, 4, 6}, 0);
            long[] targets = {100, 200};
            try (AdamW adamW = new AdamW(List.of(ParameterGroup.all(1e-2, 0)), LearningRateSchedule.constant(),
                    scope)) {
                Trainer<Integer> trainer = new Trainer<>(pt.trainable(), adamW, (step, ignored) -> {
                    PromptBatch batch = PromptBatch.of(List.of(a, b), 0, step);
                    NDArray logProbs = pt.answerLogits(batch, true).logSoftmax(1);
                    return logProbs.gather(step.create(targets, new Shape(2, 1)), 1).mean().neg();
                });
                List<Double> losses = trainer.fit(() -> List.of(0).iterator(), Trainer.Settings.steps(15)).losses();
                // The random tiny BERT hardly attends to context (weights of std 0.02), so the prompt can move the
                // loss only a little; the real BERT-base test (RealBertPTuningTest) shows a large drop.
                assertTrue(losses.get(losses.size() - 1) < losses.get(0), kind + " losses " + losses);
            }
            Map<String, float[]> promptAfter = snapshot(pt.trainable());
            promptBefore.forEach((name, values) -> assertFalse(java.util.Arrays.equals(values,
                    promptAfter.get(name)), name + " did not change"));
        }
        Map<String, float[]> after = snapshot(bert.weights().asMap());
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, values) -> assertArrayEquals(values, after.get(name), name + " changed"));
        assertTrue(bert.trainable().isEmpty());
    }

    /**
     * End to end through the public API: a template with pseudo tokens first, between two fields, beside an anchor
     * word and right before the answer, rendered by a real byte-level BPE tokenizer (trained here, small enough for
     * the tiny GPT-2's 311-token vocabulary) for rows of different lengths, then padded into one batch: at every
     * rendered pseudo position the model receives exactly the encoder's row for that slot, everywhere else exactly
     * the token's embedding, and the answer logits are the next-token logits of that input at the answer position.
     */
    @ParameterizedTest
    @EnumSource(PromptEncoder.Kind.class)
    void renderedTemplatesPlaceTheEncoderRowsAtEveryPseudoPosition(PromptEncoder.Kind kind) {
        BpeVocabulary vocabulary = ByteLevelBpeTrainer.withVocabSize(300).train(List.of(
                "the capital of france is paris .", "dante alighieri was born in florence .",
                "the native language of dante is italian ."));
        assertTrue(vocabulary.size() <= gpt2.config().vocabSize(), "vocabulary of " + vocabulary.size());
        try (Gpt2Tokenizer tokenizer = vocabulary.toTokenizer(); NDManager scope = manager.newSubManager();
                PTuning pt = PTuning.on(gpt2).tokenizer(tokenizer).template("[P] {x} [P][P] , {y} [P] [MASK]")
                        .encoder(kind).seed(11).build(scope)) {
            List<Map<String, String>> rows = List.of(Map.of("x", "dante", "y", "born in florence"),
                    Map.of("x", "the capital of france", "y", "paris"), Map.of("x", "is", "y", "italian ."));
            PromptBatch batch = pt.batch(rows, 0, scope);
            ForwardInput entered = pt.enter(batch.input(false));
            int d = gpt2.hiddenSize();
            long length = batch.inputIds().getShape().get(1);
            float[] embeds = entered.inputsEmbeds().toFloatArray();
            float[] prompts = pt.promptEmbeddings().toFloatArray();
            float[] table = gpt2.weight("transformer.wte.weight").toFloatArray();
            NDArray answers = pt.answerLogits(batch, false);
            NDArray logits = gpt2.forward(entered).logits();
            for (int row = 0; row < rows.size(); row++) {
                RenderedPrompt rendered = pt.template().render(rows.get(row), tokenizer, pt.answerSlot(), 0);
                assertEquals(rendered.answerPosition(), batch.answerPositions()[row]);
                assertEquals(4, rendered.pseudoPositions().length);
                for (int t = 0; t < rendered.length(); t++) {
                    int id = rendered.ids()[t];
                    int slot = RenderedPrompt.slotOf(id);
                    if (slot >= 0) {
                        assertEquals(t, rendered.pseudoPositions()[slot], "row " + row + " position " + t);
                    }
                    float[] source = slot >= 0 ? prompts : table;
                    int sourceRow = slot >= 0 ? slot : id;
                    for (int i = 0; i < d; i++) {
                        assertEquals(source[sourceRow * d + i], embeds[(int) ((row * length + t) * d + i)],
                                "row " + row + " position " + t + (slot >= 0 ? " (pseudo " + slot + ")" : ""));
                    }
                }
                NDArray expected = logits.get(row).get(rendered.answerPosition());
                assertTrue(answers.get(row).sub(expected).abs().max().getFloat() == 0, "row " + row);
            }
        }
    }

    /** The causal backbone too stays bit for bit unchanged while the prompt trains and the loss falls. */
    @Test
    void trainingLeavesTheCausalBackboneBitIdentical() {
        Map<String, float[]> before = snapshot(gpt2.weights().asMap());
        try (NDManager scope = manager.newSubManager();
                PTuning pt = PTuning.on(gpt2).template("[P][P] {x} [P] [MASK]").seed(6).build(scope)) {
            RenderedPrompt a = new RenderedPrompt(new int[] {-1, -2, 40, 41, -3}, 4, new int[] {0, 1, 4}, 0);
            RenderedPrompt b = new RenderedPrompt(new int[] {-1, -2, 50, -3}, 3, new int[] {0, 1, 3}, 0);
            long[] targets = {100, 200};
            try (AdamW adamW = new AdamW(List.of(ParameterGroup.all(1e-2, 0)), LearningRateSchedule.constant(),
                    scope)) {
                Trainer<Integer> trainer = new Trainer<>(pt.trainable(), adamW, (step, ignored) -> {
                    NDArray logProbs = pt.answerLogits(PromptBatch.of(List.of(a, b), 0, step), true).logSoftmax(1);
                    return logProbs.gather(step.create(targets, new Shape(2, 1)), 1).mean().neg();
                });
                List<Double> losses = trainer.fit(() -> List.of(0).iterator(), Trainer.Settings.steps(15)).losses();
                assertTrue(losses.get(losses.size() - 1) < losses.get(0), "losses " + losses);
            }
        }
        Map<String, float[]> after = snapshot(gpt2.weights().asMap());
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, values) -> assertArrayEquals(values, after.get(name), name + " changed"));
        assertTrue(gpt2.trainable().isEmpty());
    }

    @Test
    void onlyThePromptGetsGradients() {
        try (NDManager scope = manager.newSubManager();
                PTuning pt = PTuning.on(bert).template("[P] {x} [P] [MASK]").build(scope)) {
            NDArray ids = scope.create(new long[] {2, -1, 40, -2, 4, 3}, new Shape(1, 6));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(pt.forward(ForwardInput.ofIds(ids)).logits().get(0).get(4).get(7));
            }
            for (Map.Entry<String, NDArray> e : pt.trainable().entrySet()) {
                assertTrue(e.getValue().getGradient().abs().sum().getFloat() > 0, e.getKey());
                e.getValue().getGradient().muli(0);
            }
        }
    }

    /**
     * [P:word] starts from the mean embedding of the word's tokens (GPT-2's byte tokens "a" = 64 and "!" = 0 exist
     * in the tiny GPT-2's 311-token vocabulary); without a word and without an encoder, from a sampled vocabulary
     * row; with an encoder, the word initializes the encoder's input embedding.
     */
    @Test
    void pseudoTokensCanStartFromRealWords() throws Exception {
        Path folder = Path.of(System.getProperty("softprompt.shared"), "data", "gpt2-tokenizer");
        assumeTrue(Files.exists(folder.resolve("vocab.json")), "GPT-2 vocabulary not found in " + folder);
        try (NDManager scope = manager.newSubManager();
                org.softprompt.tokenize.Tokenizer tokenizer = org.softprompt.tokenize.Gpt2Tokenizer
                        .fromVocabAndMerges(folder.resolve("vocab.json"), folder.resolve("merges.txt"));
                PTuning direct = PTuning.on(gpt2).tokenizer(tokenizer).template("[P:a] [P:a!] [P] {x} [MASK]")
                        .encoder(PromptEncoder.Kind.NONE).build(scope);
                PTuning encoded = PTuning.on(gpt2).tokenizer(tokenizer).template("[P:a] {x} [MASK]").build(scope)) {
            assertArrayEquals(new int[] {64, 0}, tokenizer.encode("a!", false));
            NDArray table = gpt2.weight("transformer.wte.weight");
            NDArray prompts = direct.promptEmbeddings();
            assertArrayEquals(table.get(64).toFloatArray(), prompts.get(0).toFloatArray());
            assertTrue(prompts.get(1).sub(table.get(64).add(table.get(0)).div(2)).abs().max().getFloat() < 1e-7);
            float[] sampled = prompts.get(2).toFloatArray();
            boolean isARow = false;
            for (int row = 0; row < table.getShape().get(0) && !isARow; row++) {
                isARow = java.util.Arrays.equals(sampled, table.get(row).toFloatArray());
            }
            assertTrue(isARow, "an uninitialized direct pseudo token starts as a vocabulary embedding");
            assertArrayEquals(table.get(64).toFloatArray(),
                    encoded.trainable().get("prompt_encoder.embedding.weight").get(0).toFloatArray());
        }
    }

    @Test
    void configDescribesTheMethod() {
        try (NDManager scope = manager.newSubManager();
                PTuning pt = PTuning.on(bert).template("[P][P] {x} [MASK]").seed(9).build(scope)) {
            assertEquals("p-tuning", pt.config().get("method").getAsString());
            assertEquals("[P][P] {x} [MASK]", pt.config().get("template").getAsString());
            assertEquals("LSTM_MLP", pt.config().get("encoder").getAsString());
            assertEquals("MASK_TOKEN", pt.config().get("answer_slot").getAsString());
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        arrays.forEach((name, array) -> copy.put(name, array.toFloatArray()));
        return copy;
    }

    private static long[] flatten(long[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToLong(java.util.Arrays::stream).toArray();
    }

}
