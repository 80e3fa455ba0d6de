package org.softprompt.method.prefix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.Safetensors;
import org.softprompt.generate.CausalLmDecoder;
import org.softprompt.generate.GenerationConfig;
import org.softprompt.generate.Generator;
import org.softprompt.method.Reparam;

/** Prefix-Tuning on the tiny GPT-2 written by transformers, against PEFT 0.8.2's own adapter and logits. */
public class PrefixTuningTest {
    private static NDManager manager;
    private static Gpt2 gpt2;
    private static Map<String, NDArray> peft;

    public static Path fixture(String name) {
        return org.softprompt.SharedFixtures.hfFixture(name);
    }

    @BeforeAll
    static void load() {
        Path gpt2Dir = fixture("tiny-gpt2");
        Path peftDir = fixture("peft-prefix");
        manager = Engines.newManager();
        gpt2 = Gpt2.load(gpt2Dir, manager);
        peft = Safetensors.readAll(peftDir.resolve("reference.safetensors"), manager);
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            gpt2.close();
            manager.close();
        }
    }

    static float maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        return a.sub(b).abs().max().getFloat();
    }

    /** PEFT's trained PrefixEncoder (prefix_projection=True, encoder_hidden_size 64) loaded into ours. */
    private PrefixTuning peftMlp(NDManager m) {
        PrefixTuning prefix = Prefix.on(gpt2).length(6).reparam(Reparam.mlp(64)).build(m);
        Map<String, NDArray> encoder = new LinkedHashMap<>();
        peft.forEach((name, array) -> {
            if (name.startsWith("encoder.")) {
                encoder.put(name.substring("encoder.".length()), array);
            }
        });
        prefix.load(encoder, "peft-prefix/reference.safetensors");
        return prefix;
    }

    @Test
    void reproducesPeftLogitsThroughTheMlp() {
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = peftMlp(m)) {
            assertEquals(6 * 48 + 64 * 48 + 64 + 288 * 64 + 288, prefix.trainedParameterCount());
            float table = maxAbsDiff(prefix.table(m), peft.get("collapsed_prefix"));
            float logits = maxAbsDiff(prefix.forward(ForwardInput.ofIds(peft.get("input_ids"))).logits(),
                    peft.get("logits"));
            System.out.printf("PEFT prefix via MLP: table max diff %.3g, logits max diff %.3g%n", table, logits);
            assertTrue(table < 1e-5, "table differs from PEFT's by " + table);
            assertTrue(logits < 1e-4, "logits differ from PEFT's by " + logits);
        }
    }

    @Test
    void reproducesPeftLogitsThroughTheCollapsedTable() {
        try (NDManager m = manager.newSubManager();
                PrefixTuning prefix = Prefix.on(gpt2).length(6).reparam(Reparam.none()).build(m)) {
            prefix.load(Map.of("embedding.weight", peft.get("collapsed_prefix")), "collapsed_prefix");
            float logits = maxAbsDiff(prefix.forward(ForwardInput.ofIds(peft.get("input_ids"))).logits(),
                    peft.get("logits"));
            System.out.printf("PEFT prefix via collapsed table: logits max diff %.3g%n", logits);
            assertTrue(logits < 1e-4, "logits differ from PEFT's by " + logits);
        }
    }

    @Test
    void loadsPeftsSavedAdapter() {
        try (NDManager m = manager.newSubManager();
                PrefixTuning prefix = PrefixTuning.fromPeft(gpt2, fixture("peft-prefix"), m)) {
            assertEquals(6, prefix.length());
            assertEquals(6, prefix.positionOffset());
            float logits = maxAbsDiff(prefix.forward(ForwardInput.ofIds(peft.get("input_ids"))).logits(),
                    peft.get("logits"));
            System.out.printf("PEFT adapter_model.safetensors: logits max diff %.3g%n", logits);
            assertTrue(logits < 1e-4, "logits differ from PEFT's by " + logits);
        }
    }

    @Test
    void paddedBatchWithThePrefixEqualsRowsAlone() {
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = peftMlp(m)) {
            for (org.softprompt.task.CausalLmBatch.Padding padding : org.softprompt.task.CausalLmBatch.Padding.values()) {
                org.softprompt.task.CausalLmBatch both = org.softprompt.task.CausalLmBatch.pairs(Training.SOURCES,
                        Training.TARGETS, Training.SEPARATOR, Training.EOS, 0, padding, m);
                double sum = 0;
                for (int row = 0; row < Training.SOURCES.size(); row++) {
                    org.softprompt.task.CausalLmBatch alone = org.softprompt.task.CausalLmBatch.pairs(
                            List.of(Training.SOURCES.get(row)), List.of(Training.TARGETS.get(row)),
                            Training.SEPARATOR, Training.EOS, 0, padding, m);
                    // unpadded: no position ids given, so enter() makes P, P+1, ... itself
                    NDArray logits = prefix.forward(ForwardInput.ofIds(alone.inputIds())).logits();
                    sum += alone.loss(logits).getFloat() * alone.targetTokenCount();
                }
                double expected = sum / both.targetTokenCount();
                assertEquals(expected, both.loss(prefix.forward(both.input()).logits()).getFloat(), 1e-5,
                        padding.name());
            }
        }
    }

    @Test
    void withoutShiftedPositionsTheLogitsDifferFromPeft() {
        try (NDManager m = manager.newSubManager();
                PrefixTuning prefix = Prefix.on(gpt2).length(6).reparam(Reparam.none()).positionsAfterPrefix(false)
                        .build(m)) {
            prefix.load(Map.of("embedding.weight", peft.get("collapsed_prefix")), "collapsed_prefix");
            assertEquals(0, prefix.positionOffset());
            float logits = maxAbsDiff(prefix.forward(ForwardInput.ofIds(peft.get("input_ids"))).logits(),
                    peft.get("logits"));
            assertTrue(logits > 1e-3, "positions must matter; difference " + logits);
        }
    }

    @Test
    void collapseGivesIdenticalOutputsAndOnlyTheTable() {
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = peftMlp(m);
                PrefixTuning collapsed = prefix.collapse()) {
            assertEquals(List.of("embedding.weight"), List.copyOf(collapsed.trainable().keySet()));
            assertEquals(new Shape(6, 288), collapsed.trainable().get("embedding.weight").getShape());
            NDArray ids = peft.get("input_ids");
            float diff = maxAbsDiff(prefix.forward(ForwardInput.ofIds(ids)).logits(),
                    collapsed.forward(ForwardInput.ofIds(ids)).logits());
            assertEquals(0f, diff, 1e-6f);
            assertEquals("mlp(64)", collapsed.config().getAsJsonObject("init").get("collapsed_from").getAsString());
        }
    }

    @Test
    void lengthZeroIsTheFrozenModel() {
        try (NDManager m = manager.newSubManager();
                PrefixTuning prefix = Prefix.on(gpt2).length(0).build(m)) {
            NDArray ids = peft.get("input_ids");
            assertEquals(0, prefix.trainedParameterCount());
            NDArray frozen = gpt2.forward(ForwardInput.ofIds(ids)).logits();
            assertEquals(0f, maxAbsDiff(frozen, prefix.forward(ForwardInput.ofIds(ids)).logits()));
        }
    }

    @Test
    void gradientsReachOnlyThePrefix() {
        for (Reparam reparam : List.of(Reparam.mlp(32), Reparam.none())) {
            try (NDManager m = manager.newSubManager();
                    PrefixTuning prefix = Prefix.on(gpt2).length(4).reparam(reparam).build(m)) {
                try (NDManager step = m.newSubManager();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = prefix.forward(ForwardInput.ofIds(peft.get("input_ids").duplicate()
                            .toType(ai.djl.ndarray.types.DataType.INT64, false)).withTraining(true)).logits();
                    step.tempAttachAll(logits);
                    collector.backward(logits.logSoftmax(2).get(":, :, 5").mean());
                }
                for (Map.Entry<String, NDArray> e : prefix.trainable().entrySet()) {
                    assertTrue(e.getValue().hasGradient(), e.getKey());
                    assertTrue(e.getValue().getGradient().abs().sum().getFloat() > 0, e.getKey() + " got no gradient");
                }
                for (String name : gpt2.weights().names()) {
                    assertFalse(gpt2.weight(name).hasGradient(), name + " of the backbone has a gradient");
                }
            }
        }
    }

    private static NDArray ids(NDManager m, long[] ids) {
        return m.create(ids, new Shape(1, ids.length));
    }

    private static NDArray mask(NDManager m, long[] ids) {
        return m.ones(new Shape(1, ids.length), ai.djl.ndarray.types.DataType.INT64);
    }

    @Test
    void cachedGenerationWithThePrefixEqualsUncached() {
        try (NDManager m = manager.newSubManager(); PrefixTuning prefix = peftMlp(m)) {
            long[] promptIds = {5, 17, 200, 33};
            GenerationConfig greedy = GenerationConfig.greedy(8, -1);
            int[] cached;
            int[] uncached;
            try (CausalLmDecoder decoder = new CausalLmDecoder(gpt2, m, prefix.layerPrefixes(m),
                    prefix.positionOffset(), true)) {
                cached = Generator.generate(decoder, ids(m, promptIds), mask(m, promptIds), greedy).get(0).tokens();
            }
            try (CausalLmDecoder decoder = new CausalLmDecoder(gpt2, m, prefix.layerPrefixes(m),
                    prefix.positionOffset(), false)) {
                uncached = Generator.generate(decoder, ids(m, promptIds), mask(m, promptIds), greedy).get(0).tokens();
            }
            assertArrayEquals(uncached, cached);
            // the decoder's first token is what the tuned model's own forward predicts
            NDArray last = prefix.forward(ForwardInput.ofIds(ids(m, promptIds))).logits().get(":, -1, :");
            assertEquals(last.argMax(1).getLong(0), cached[0]);
            try (CausalLmDecoder plain = CausalLmDecoder.of(gpt2, m)) {
                int[] frozen = Generator.generate(plain, ids(m, promptIds), mask(m, promptIds), greedy).get(0).tokens();
                assertFalse(java.util.Arrays.equals(frozen, cached), "the prefix should change the generation");
            }
        }
    }
}
