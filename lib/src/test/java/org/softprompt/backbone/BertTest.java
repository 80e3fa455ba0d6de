package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class BertTest {
    private static final BertConfig TINY = BertConfig.of(64, 24, 2, 4, 48, 40).withDropout(0);
    @RegisterExtension
    static final RootManager root = new RootManager();

    @Test
    void reproducesTransformersWithTokenTypesAndPadding() {
        try (NDManager manager = root.newSubManager();
             Bert model = Bert.load(Fixtures.dir("tiny-bert"), manager)) {
            Map<String, NDArray> ref = Fixtures.reference("tiny-bert", manager);
            NDArray mask = ref.get("attention_mask");
            ForwardOutput out = model.forward(ForwardInput.ofIds(ref.get("input_ids"))
                    .withTokenTypeIds(ref.get("token_type_ids")).withAttentionMask(mask).withHiddenStates(true));
            assertTrue(model.hasMlmHead());
            assertFalse(model.hasPooler());
            assertNull(out.pooledOutput());
            assertEquals("BertForMaskedLM", model.architecture());
            Fixtures.assertMatchesReference("tiny-bert logits", out.logits(), ref.get("logits"), mask);
            assertEquals(3, out.hiddenStates().size());
            for (int i = 0; i < 3; i++) {
                Fixtures.assertMatchesReference("tiny-bert hidden_states." + i, out.hiddenStates().get(i),
                        ref.get("hidden_states." + i), mask);
            }
            // the padded row really is padded, and the reference is compared there too where it is defined
            assertEquals(0, mask.get("1, 8:").sum().getLong());
            System.out.println("tiny-bert logits max abs diff (all positions) "
                    + Fixtures.maxAbsDiff(out.logits(), ref.get("logits")));
        }
    }

    /** The MLM head honours logitsToKeep: the last position's logits, to rounding, as [B, 1, vocabulary]. */
    @Test
    void logitsToKeepProjectsOnlyTheLastPositions() {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 1)) {
            NDArray ids = Gpt2Test.randomIds(manager, 2, 7, 1);
            NDArray all = model.forward(ForwardInput.ofIds(ids)).logits();
            NDArray last = model.forward(ForwardInput.ofIds(ids).withLogitsToKeep(1)).logits();
            assertEquals(new Shape(2, 1, 64), last.getShape());
            assertTrue(Fixtures.maxAbsDiff(all.get(":, 6:, :"), last) < 1e-6);
        }
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 1)) {
            NDArray ids = Gpt2Test.randomIds(manager, 2, 7, 1);
            ForwardOutput before = model.forward(ForwardInput.ofIds(ids));
            model.save(dir);
            try (Bert loaded = Bert.load(dir, manager)) {
                assertTrue(loaded.hasPooler() && loaded.hasMlmHead());
                assertEquals(model.weights().names(), loaded.weights().names());
                ForwardOutput after = loaded.forward(ForwardInput.ofIds(ids));
                assertEquals(0f, Fixtures.maxAbsDiff(before.logits(), after.logits()));
                assertEquals(0f, Fixtures.maxAbsDiff(before.pooledOutput(), after.pooledOutput()));
            }
        }
    }

    /** A BertModel checkpoint (no "bert." prefix, with pooler, no head) loads into the same names. */
    @Test
    void loadsBaseModelCheckpointWithoutPrefix(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 2, true, false)) {
            Map<String, NDArray> renamed = new LinkedHashMap<>();
            model.weights().asMap().forEach((name, array) -> renamed.put(name.substring("bert.".length()), array));
            renamed.put("embeddings.position_ids", manager.arange(40).toType(DataType.INT64, false).reshape(1, 40));
            Safetensors.write(dir.resolve("model.safetensors"), renamed, Map.of());
            ConfigJson.write(TINY.toJson(), dir);
            try (Bert loaded = Bert.load(dir, manager)) {
                assertTrue(loaded.hasPooler());
                assertFalse(loaded.hasMlmHead());
                assertEquals("BertModel", loaded.architecture());
                assertEquals(List.of("embeddings.position_ids"), loaded.loadReport().ignored());
                NDArray ids = Gpt2Test.randomIds(manager, 2, 5, 2);
                ForwardOutput out = loaded.forward(ForwardInput.ofIds(ids));
                assertNull(out.logits());
                assertEquals(0f, Fixtures.maxAbsDiff(model.forward(ForwardInput.ofIds(ids)).pooledOutput(),
                        out.pooledOutput()));
            }
        }
    }

    /** A BertForPreTraining checkpoint (bert-base-uncased's layout): tied decoder copies and NSP head ignored. */
    @Test
    void loadsPreTrainingCheckpointIgnoringTiedCopiesAndNextSentenceHead(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 9)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(model.weights().asMap());
            tensors.put("cls.predictions.decoder.weight", model.weight("bert.embeddings.word_embeddings.weight"));
            tensors.put("cls.predictions.decoder.bias", model.weight("cls.predictions.bias"));
            tensors.put("cls.seq_relationship.weight", manager.zeros(new Shape(2, 24)));
            tensors.put("cls.seq_relationship.bias", manager.zeros(new Shape(2)));
            Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
            ConfigJson.write(TINY.toJson(), dir);
            try (Bert loaded = Bert.load(dir, manager)) {
                assertTrue(loaded.loadReport().isClean());
                assertEquals(List.of("cls.predictions.decoder.weight", "cls.predictions.decoder.bias",
                        "cls.seq_relationship.weight", "cls.seq_relationship.bias"), loaded.loadReport().ignored());
                NDArray ids = Gpt2Test.randomIds(manager, 1, 5, 9);
                assertEquals(0f, Fixtures.maxAbsDiff(model.forward(ForwardInput.ofIds(ids)).logits(),
                        loaded.forward(ForwardInput.ofIds(ids)).logits()));
            }
        }
    }

    @Test
    void decoderKvCacheMatchesFullForward() {
        BertConfig decoder = TINY.withDecoder(true);
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(decoder, manager, 3)) {
            assertTrue(model.supportsCache());
            assertEquals("BertForCausalLM", model.architecture());
            NDArray ids = Gpt2Test.randomIds(manager, 2, 9, 3);
            NDArray rightPadded = manager.create(new long[][] {
                {1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 0, 0, 0}});
            NDArray leftPadded = manager.create(new long[][] {
                {0, 0, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}});
            LayerPrefixes prefixes = Gpt2Test.randomPrefixes(manager, model, 2, 3, true);
            for (NDArray mask : new NDArray[] {null, rightPadded, leftPadded}) {
                for (LayerPrefixes p : new LayerPrefixes[] {null, prefixes}) {
                    NDArray expected = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask)
                            .withPrefixes(p)).logits();
                    for (int[] chunks : new int[][] {{1, 1, 1, 1, 1, 1, 1, 1, 1}, {2, 5, 2}}) {
                        NDArray cached = Gpt2Test.decodeInChunks(model, manager, ids, mask, p, chunks);
                        float d = Fixtures.maxAbsDiffWhere(expected, cached, mask);
                        assertTrue(d < 1e-5, "cached logits differ by " + d);
                    }
                }
            }
            // causal: changing a later token does not change earlier outputs
            NDArray changed = ids.duplicate();
            changed.set(new ai.djl.ndarray.index.NDIndex(":, 8"), 1);
            NDArray a = model.forward(ForwardInput.ofIds(ids)).logits().get(":, 0:8");
            NDArray b = model.forward(ForwardInput.ofIds(changed)).logits().get(":, 0:8");
            assertEquals(0f, Fixtures.maxAbsDiff(a, b));
        }
    }

    @Test
    void encoderRefusesCacheAndIsBidirectional() {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 4)) {
            assertThrows(UnsupportedOperationException.class, () -> model.newCache(manager));
            NDArray ids = Gpt2Test.randomIds(manager, 1, 6, 4);
            try (KvCache cache = new KvCache(2, manager)) {
                assertThrows(IllegalArgumentException.class,
                        () -> model.forward(ForwardInput.ofIds(ids).withCache(cache)));
            }
            NDArray changed = ids.duplicate();
            changed.set(new ai.djl.ndarray.index.NDIndex(":, 5"), 1);
            NDArray a = model.forward(ForwardInput.ofIds(ids)).logits().get(":, 0");
            NDArray b = model.forward(ForwardInput.ofIds(changed)).logits().get(":, 0");
            assertTrue(Fixtures.maxAbsDiff(a, b) > 1e-5);
        }
    }

    /**
     * Padding is invisible: a right-padded row gives the unpadded sequence's outputs at its real positions, also with
     * a P-tuning v2 style prefix whose own mask hides one prefix position.
     */
    @Test
    void paddedRowsEqualUnpaddedSequencesWithAndWithoutPrefix() {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 5)) {
            NDArray ids = Gpt2Test.randomIds(manager, 2, 8, 5);
            NDArray mask = manager.create(new long[][] {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0, 0}});
            LayerPrefixes prefixes = Gpt2Test.randomPrefixes(manager, model, 2, 3, true);
            for (LayerPrefixes p : new LayerPrefixes[] {null, prefixes}) {
                NDArray padded = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask).withPrefixes(p))
                        .logits();
                LayerPrefixes row1 = p == null ? null : selectRow(p, 1);
                NDArray alone = model.forward(ForwardInput.ofIds(ids.get("1:2, 0:5")).withPrefixes(row1)).logits();
                assertTrue(Fixtures.maxAbsDiff(padded.get("1:2, 0:5"), alone) < 1e-5);
            }
        }
    }

    private static LayerPrefixes selectRow(LayerPrefixes prefixes, int row) {
        Prefix[] rows = new Prefix[prefixes.numLayers()];
        String index = row + ":" + (row + 1);
        for (int i = 0; i < rows.length; i++) {
            Prefix p = prefixes.get(i);
            rows[i] = new Prefix(p.key().get(index), p.value().get(index), p.mask() == null ? null
                    : p.mask().get(index));
        }
        return LayerPrefixes.of(rows);
    }

    @Test
    void inputsEmbedsAndIdentityHooksChangeNothing() {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 6)) {
            NDArray ids = Gpt2Test.randomIds(manager, 2, 6, 6);
            NDArray types = manager.create(new long[][] {{0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 1, 1}});
            ForwardInput input = ForwardInput.ofIds(ids).withTokenTypeIds(types);
            NDArray plain = model.forward(input).logits();
            NDArray embeds = model.weight("bert.embeddings.word_embeddings.weight").get(ids.flatten())
                    .reshape(2, 6, 24);
            assertEquals(0f, Fixtures.maxAbsDiff(plain,
                    model.forward(ForwardInput.ofEmbeds(embeds).withTokenTypeIds(types)).logits()));
            Hooks identity = new Hooks() {
                @Override
                public NDArray afterAttention(int layer, NDArray out) {
                    return out.add(0);
                }
            };
            assertEquals(0f, Fixtures.maxAbsDiff(plain, model.forward(input.withHooks(identity)).logits()));
            assertEquals(0f, Fixtures.maxAbsDiff(plain, model.forward(input.withPrefixes(LayerPrefixes.none(2)))
                    .logits()));
            // token types matter
            assertTrue(Fixtures.maxAbsDiff(plain, model.forward(ForwardInput.ofIds(ids)).logits()) > 1e-5);
        }
    }

    /** RoBERTa: roberta.* and lm_head.* names; positions from pad_token_id + 1, padding tokens at pad_token_id. */
    @Test
    void robertaNamesAndPositions(@TempDir Path dir) {
        BertConfig roberta = TINY.withModelType("roberta", 1);
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(roberta, manager, 7)) {
            assertTrue(model.weights().contains("roberta.encoder.layer.1.output.dense.weight"));
            assertTrue(model.weights().contains("lm_head.layer_norm.weight"));
            assertTrue(model.weights().contains("lm_head.bias"));
            assertEquals("RobertaForMaskedLM", model.architecture());
            // padding rows (id 1) of the word and position embeddings start at zero, as nn.Embedding(padding_idx)
            assertEquals(0f, model.weight("roberta.embeddings.word_embeddings.weight").get(1).abs().sum()
                    .getFloat());
            assertEquals(0f, model.weight("roberta.embeddings.position_embeddings.weight").get(1).abs().sum()
                    .getFloat());

            NDArray ids = manager.create(new long[][] {{0, 5, 6, 7, 2}, {0, 8, 2, 1, 1}});
            NDArray mask = manager.create(new long[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
            NDArray positions = manager.create(new long[][] {{2, 3, 4, 5, 6}, {2, 3, 4, 1, 1}});
            NDArray implicit = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask)).logits();
            NDArray explicit = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask)
                    .withPositionIds(positions)).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(implicit, explicit));

            model.save(dir);
            try (Backbone loaded = Backbones.load(dir, manager)) {
                assertTrue(loaded instanceof Bert);
                assertEquals("roberta", loaded.config().modelType());
                assertEquals(0f, Fixtures.maxAbsDiff(implicit, loaded.forward(ForwardInput.ofIds(ids)
                        .withAttentionMask(mask)).logits()));
            }
        }
    }

    @Test
    void poolerIsTanhOfDenseOnFirstToken() {
        try (NDManager manager = root.newSubManager(); Bert model = Bert.random(TINY, manager, 8)) {
            NDArray ids = Gpt2Test.randomIds(manager, 2, 4, 8);
            ForwardOutput out = model.forward(ForwardInput.ofIds(ids));
            assertNotNull(out.pooledOutput());
            NDArray first = out.lastHiddenState().get(":, 0");
            NDArray expected = first.matMul(model.weight("bert.pooler.dense.weight").transpose())
                    .add(model.weight("bert.pooler.dense.bias")).tanh();
            assertTrue(Fixtures.maxAbsDiff(expected, out.pooledOutput()) < 1e-6);
            assertEquals(new Shape(2, 24), out.pooledOutput().getShape());
        }
    }
}
