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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.BertConfig;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.LoadOptions;
import org.softprompt.backbone.Prefix;
import org.softprompt.method.Reparam;
import org.softprompt.task.head.CrossEntropy;
import org.softprompt.task.head.SequenceClassificationHead;
import org.softprompt.task.head.TokenClassificationHead;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

class DeepPromptTest {
    /** 4 layers so that layer choices differ; no dropout so that passes are deterministic. */
    private static final BertConfig FOUR_LAYERS = BertConfig.of(60, 24, 4, 4, 48, 40).withDropout(0);
    private static NDManager root;
    private static Bert bert;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
        bert = Bert.random(FOUR_LAYERS, root, 7);
    }

    @AfterAll
    static void stop() {
        bert.close();
        root.close();
    }

    private static ForwardInput paddedInput(NDManager m) {
        NDArray ids = m.create(new long[] {2, 11, 17, 23, 5, 3, 2, 40, 41, 3, 0, 0}, new Shape(2, 6));
        NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 6));
        return ForwardInput.ofIds(ids).withAttentionMask(mask).withHiddenStates(true);
    }

    @Test
    void lengthZeroEqualsTheFrozenModelExactly() {
        for (Reparam reparam : List.of(Reparam.none(), Reparam.mlp(16))) {
            try (NDManager m = root.newSubManager();
                 DeepPrompt prompt = DeepPrompt.on(bert).length(0).reparam(reparam).build(m)) {
                ForwardInput in = paddedInput(m);
                ForwardOutput frozen = bert.forward(in);
                ForwardOutput prompted = prompt.forward(in);
                assertArrayEquals(frozen.lastHiddenState().toFloatArray(), prompted.lastHiddenState().toFloatArray(),
                        0f, reparam.toString());
                assertArrayEquals(frozen.pooledOutput().toFloatArray(), prompted.pooledOutput().toFloatArray(), 0f);
                assertArrayEquals(frozen.logits().toFloatArray(), prompted.logits().toFloatArray(), 0f);
            }
        }
    }

    @Test
    void layerChoicesPutPrefixesInExactlyThoseLayers() {
        Map<Layers, int[]> expected = new LinkedHashMap<>();
        expected.put(Layers.all(), new int[] {0, 1, 2, 3});
        expected.put(Layers.first(2), new int[] {0, 1});
        expected.put(Layers.last(3), new int[] {1, 2, 3});
        expected.put(Layers.of(3, 1), new int[] {1, 3});
        for (Map.Entry<Layers, int[]> entry : expected.entrySet()) {
            try (NDManager m = root.newSubManager();
                 DeepPrompt prompt = DeepPrompt.on(bert).length(5).layers(entry.getKey()).build(m)) {
                assertArrayEquals(entry.getValue(), prompt.layers(), entry.getKey().toString());
                assertEquals(new Shape(5, 2L * entry.getValue().length * 24),
                        prompt.trainable().get(DeepPrompt.EMBEDDING).getShape());
                LayerPrefixes prefixes = prompt.layerPrefixes(m);
                assertEquals(4, prefixes.numLayers());
                List<Integer> withPrefix = new ArrayList<>();
                for (int layer = 0; layer < 4; layer++) {
                    Prefix prefix = prefixes.get(layer);
                    if (prefix != null) {
                        withPrefix.add(layer);
                        assertEquals(new Shape(1, 4, 5, 6), prefix.key().getShape());
                        assertEquals(new Shape(1, 4, 5, 6), prefix.value().getShape());
                        assertNull(prefix.mask(), "a null mask is the all-ones mask");
                    }
                }
                assertArrayEquals(entry.getValue(), withPrefix.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Layers.last(5).resolve(4));
        assertThrows(IllegalArgumentException.class, () -> Layers.of(4).resolve(4));
        assertThrows(IllegalArgumentException.class, () -> Layers.of(1, 1));
    }

    @Test
    void keysAndValuesFollowPTuningV2Layout() {
        // view(P, 2S, heads, headDim): chosen layer j's key is slot 2j, its value slot 2j + 1
        try (NDManager m = root.newSubManager();
             DeepPrompt prompt = DeepPrompt.on(bert).length(3).layers(Layers.of(0, 2)).build(m)) {
            float[] table = prompt.trainable().get(DeepPrompt.EMBEDDING).toFloatArray();
            int width = 2 * 2 * 24;
            LayerPrefixes prefixes = prompt.layerPrefixes(m);
            for (int j = 0; j < 2; j++) {
                int layer = j == 0 ? 0 : 2;
                float[] key = prefixes.get(layer).key().toFloatArray();
                float[] value = prefixes.get(layer).value().toFloatArray();
                for (int h = 0; h < 4; h++) {
                    for (int p = 0; p < 3; p++) {
                        for (int i = 0; i < 6; i++) {
                            int at = (h * 3 + p) * 6 + i;
                            assertEquals(table[p * width + (2 * j) * 24 + h * 6 + i], key[at]);
                            assertEquals(table[p * width + (2 * j + 1) * 24 + h * 6 + i], value[at]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void outputsChangeOnlyFromTheFirstPromptedLayerOn() {
        try (NDManager m = root.newSubManager();
             DeepPrompt prompt = DeepPrompt.on(bert).length(4).layers(Layers.of(2)).build(m)) {
            ForwardInput in = paddedInput(m);
            List<NDArray> frozen = bert.forward(in).hiddenStates();
            List<NDArray> prompted = prompt.forward(in).hiddenStates();
            // hidden_states[i] is layer i's input: layers 0 and 1 have no prompt, layer 2 has
            for (int i = 0; i <= 2; i++) {
                assertArrayEquals(frozen.get(i).toFloatArray(), prompted.get(i).toFloatArray(), 0f, "state " + i);
            }
            for (int i = 3; i <= 4; i++) {
                float diff = frozen.get(i).sub(prompted.get(i)).abs().max().getFloat();
                assertTrue(diff > 1e-4, "state " + i + " should change, differs by " + diff);
            }
        }
    }

    @Test
    void aPaddedRowEqualsItselfAloneWithTheBroadcastPrompt() {
        // every query sees all prompt positions (a null prefix mask is all ones) and padding stays masked
        try (NDManager m = root.newSubManager();
             DeepPrompt prompt = DeepPrompt.on(bert).length(3).reparam(Reparam.mlp(8)).build(m)) {
            ForwardOutput batch = prompt.forward(paddedInput(m));
            NDArray alone = m.create(new long[] {2, 40, 41, 3}, new Shape(1, 4));
            ForwardOutput single = prompt.forward(ForwardInput.ofIds(alone));
            float diff = batch.lastHiddenState().get("1:2, 0:4, :").sub(single.lastHiddenState()).abs().max()
                    .getFloat();
            assertTrue(diff < 1e-5, "differs by " + diff);
        }
    }

    @Test
    void mlpReparameterizationIsEmbeddingLinearTanhLinear() {
        try (NDManager m = root.newSubManager();
             DeepPrompt prompt = DeepPrompt.on(bert).length(3).reparam(Reparam.mlp(8)).build(m)) {
            Map<String, NDArray> t = prompt.trainable();
            assertEquals(new Shape(3, 24), t.get(DeepPrompt.EMBEDDING).getShape());
            assertEquals(new Shape(8, 24), t.get(DeepPrompt.MLP_IN_WEIGHT).getShape());
            assertEquals(new Shape(2 * 4 * 24, 8), t.get(DeepPrompt.MLP_OUT_WEIGHT).getShape());
            // recompute by hand in plain Java
            float[] e = t.get(DeepPrompt.EMBEDDING).toFloatArray();
            float[] w1 = t.get(DeepPrompt.MLP_IN_WEIGHT).toFloatArray();
            float[] b1 = t.get(DeepPrompt.MLP_IN_BIAS).toFloatArray();
            float[] w2 = t.get(DeepPrompt.MLP_OUT_WEIGHT).toFloatArray();
            float[] b2 = t.get(DeepPrompt.MLP_OUT_BIAS).toFloatArray();
            float[] got = prompt.promptVectors(m).toFloatArray();
            int out = 2 * 4 * 24;
            for (int p = 0; p < 3; p++) {
                double[] mid = new double[8];
                for (int k = 0; k < 8; k++) {
                    double s = b1[k];
                    for (int i = 0; i < 24; i++) {
                        s += w1[k * 24 + i] * e[p * 24 + i];
                    }
                    mid[k] = Math.tanh(s);
                }
                for (int o = 0; o < out; o++) {
                    double s = b2[o];
                    for (int k = 0; k < 8; k++) {
                        s += w2[o * 8 + k] * mid[k];
                    }
                    assertEquals(s, got[p * out + o], 1e-5);
                }
            }
        }
    }

    @Test
    void dropoutActsOnlyInTrainingWithAMaskPerExample() {
        try (NDManager m = root.newSubManager();
             DeepPrompt prompt = DeepPrompt.on(bert).length(6).dropout(0.5).build(m)) {
            float[] plain = prompt.layerPrefixes(m).get(0).key().toFloatArray();
            assertArrayEquals(plain, prompt.layerPrefixes(m, 3, false).get(0).key().toFloatArray(), 0f);
            NDArray dropped = prompt.layerPrefixes(m, 2, true).get(0).key();
            assertEquals(new Shape(2, 4, 6, 6), dropped.getShape());
            float[] first = dropped.get(0).toFloatArray();
            float[] second = dropped.get(1).toFloatArray();
            int zeros = 0;
            int sameMask = 0;
            for (int i = 0; i < plain.length; i++) {
                for (float v : new float[] {first[i], second[i]}) {
                    if (v == 0) {
                        zeros++;
                    } else {
                        assertEquals(plain[i] * 2, v, 1e-6);
                    }
                }
                if ((first[i] == 0) == (second[i] == 0)) {
                    sameMask++;
                }
            }
            int n = 2 * plain.length;
            assertTrue(zeros > n / 4 && zeros < n * 3 / 4, zeros + " of " + n);
            assertTrue(sameMask < plain.length * 3 / 4, "the examples should get different masks");
        }
    }

    @Test
    void gradientsReachOnlyPromptAndHead() {
        Bert withPooler = Bert.random(FOUR_LAYERS, root, 8, true, false);
        try (NDManager m = root.newSubManager();
             DeepPrompt prompt = DeepPrompt.on(withPooler).length(3).reparam(Reparam.mlp(8)).build(m);
             SequenceClassificationHead head = SequenceClassificationHead.create(withPooler, 3, m, 1)) {
            NDArray labels = m.create(new long[] {2, 0});
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                ForwardInput in = paddedInput(m).withTraining(true);
                NDArray loss = head.loss(head.logits(prompt.forward(in), true), labels);
                collector.backward(loss);
            }
            Map<String, NDArray> trained = new LinkedHashMap<>(prompt.trainable());
            trained.putAll(head.trainable());
            for (Map.Entry<String, NDArray> entry : trained.entrySet()) {
                assertTrue(entry.getValue().hasGradient(), entry.getKey());
                float norm = entry.getValue().getGradient().abs().sum().getFloat();
                assertTrue(norm > 0, entry.getKey() + " got no gradient");
            }
            assertTrue(withPooler.trainable().isEmpty());
            for (String name : withPooler.weights().names()) {
                assertFalse(withPooler.weight(name).hasGradient(), name + " should stay frozen");
            }
        } finally {
            withPooler.close();
        }
    }

    @Test
    void fromCopiesValuesIntoAnIndependentPrompt() {
        try (NDManager m = root.newSubManager();
             DeepPrompt shared = DeepPrompt.on(bert).length(4).layers(Layers.last(2)).reparam(Reparam.mlp(8))
                     .dropout(0.2).seed(3).build(m);
             DeepPrompt perTask = DeepPrompt.from(shared).build(m)) {
            assertEquals(shared.config(), perTask.config());
            for (String name : shared.trainable().keySet()) {
                NDArray a = shared.trainable().get(name);
                NDArray b = perTask.trainable().get(name);
                assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f, name);
                assertTrue(b.hasGradient());
            }
            NDArray copy = perTask.trainable().get(DeepPrompt.EMBEDDING);
            float[] before = shared.trainable().get(DeepPrompt.EMBEDDING).toFloatArray();
            copy.set(new float[(int) copy.size()]);
            assertArrayEquals(before, shared.trainable().get(DeepPrompt.EMBEDDING).toFloatArray(), 0f);
        }
    }

    /** One toy batch: ids, mask and per-token labels [B, T]. */
    private record Batch(long[] ids, long[] mask, long[] labels, int batch, int length) {}

    @Test
    void tinyBertFixtureLearnsAToyTaggingTaskThroughDeepPromptsAndAHead() {
        Path dir = org.softprompt.SharedFixtures.hfFixture("tiny-bert");
        // Tag 1 on tokens 7 and 9, 0 on the others, ignore [CLS]: a tagging task on the fixture's random weights.
        Random random = new Random(5);
        List<Batch> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            int n = 8;
            int t = 8;
            long[] ids = new long[n * t];
            long[] mask = new long[n * t];
            long[] labels = new long[n * t];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < t; j++) {
                    long id = j == 0 ? 2 : 5 + random.nextInt(8);
                    ids[i * t + j] = id;
                    mask[i * t + j] = 1;
                    labels[i * t + j] = j == 0 ? CrossEntropy.IGNORE_INDEX : id == 7 || id == 9 ? 1 : 0;
                }
            }
            batches.add(new Batch(ids, mask, labels, n, t));
        }
        try (NDManager m = root.newSubManager();
             Bert tiny = Bert.load(dir, m, LoadOptions.strict());
             DeepPrompt prompt = DeepPrompt.on(tiny).length(4).dropout(0).build(m);
             TokenClassificationHead head = TokenClassificationHead.create(tiny, 2, 0, m, 11);
             AdamW optimizer = new AdamW(List.of(ParameterGroup.all(0.05, 0)), LearningRateSchedule.constant(), m)) {
            Map<String, NDArray> parameters = new LinkedHashMap<>(prompt.trainable());
            parameters.putAll(head.trainable());
            Trainer<Batch> trainer = new Trainer<>(parameters, optimizer, (step, batch) -> {
                Shape shape = new Shape(batch.batch(), batch.length());
                ForwardOutput out = prompt.forward(ForwardInput.ofIds(step.create(batch.ids(), shape))
                        .withAttentionMask(step.create(batch.mask(), shape)).withLogits(false).withTraining(true));
                return head.loss(head.logits(out, true), step.create(batch.labels(), shape));
            });
            Trainer.Result result = trainer.seed(1).fit(batches::iterator, Trainer.Settings.steps(24));
            List<Double> losses = result.losses();
            double first = losses.subList(0, 4).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = losses.subList(20, 24).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            System.out.printf("tiny-bert deep prompt toy tagging: mean loss of steps 1-4 %.4f, of steps 21-24 %.4f%n",
                    first, last);
            assertTrue(last < first * 0.8, "loss did not decrease: " + losses);
            assertTrue(tiny.trainable().isEmpty(), "the backbone stays frozen");
        }
    }
}
