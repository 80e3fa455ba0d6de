package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

class Gpt2Test {
    private static final Gpt2Config TINY = Gpt2Config.of(97, 32, 24, 3, 4).withDropout(0);
    @RegisterExtension
    static final RootManager root = new RootManager();

    @Test
    void reproducesTransformersLogitsAndHiddenStates() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.load(Fixtures.dir("tiny-gpt2"), manager)) {
            Map<String, NDArray> ref = Fixtures.reference("tiny-gpt2", manager);
            ForwardOutput out = model.forward(ForwardInput.ofIds(ref.get("input_ids"))
                    .withAttentionMask(ref.get("attention_mask")).withHiddenStates(true));
            Fixtures.assertMatchesReference("tiny-gpt2 logits", out.logits(), ref.get("logits"));
            assertEquals(4, out.hiddenStates().size());
            for (int i = 0; i < 4; i++) {
                Fixtures.assertMatchesReference("tiny-gpt2 hidden_states." + i, out.hiddenStates().get(i),
                        ref.get("hidden_states." + i));
            }
            assertTrue(model.loadReport().isClean(), model.loadReport().toString());
            assertEquals(out.hiddenStates().get(3), out.lastHiddenState());
        }
    }

    /**
     * PEFT's prefix tuning feeds the prefix to GPT-2 as past_key_values, so positions start after it; layer prefixes
     * plus explicit position ids must reproduce PEFT's logits.
     */
    @Test
    void layerPrefixesReproducePeftPrefixTuning() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.load(Fixtures.dir("tiny-gpt2"), manager)) {
            Map<String, NDArray> ref = Fixtures.reference("peft-prefix", manager);
            NDArray ids = ref.get("input_ids");
            long batch = ids.getShape().get(0);
            long length = ids.getShape().get(1);
            int virtualTokens = 6;
            // PEFT: [P, L*2*d] -> view(1, P, 2L, heads, headDim) -> permute(2, 0, 3, 1, 4): [2L, 1, heads, P, hd]
            NDArray stacked = ref.get("collapsed_prefix")
                    .reshape(1, virtualTokens, 2L * model.numLayers(), model.numHeads(), model.headDim())
                    .transpose(2, 0, 3, 1, 4);
            List<Prefix> prefixes = new ArrayList<>();
            for (int layer = 0; layer < model.numLayers(); layer++) {
                prefixes.add(Prefix.of(stacked.get(2 * layer), stacked.get(2 * layer + 1)));
            }
            NDArray positions = manager.arange(virtualTokens, (int) (virtualTokens + length)).reshape(1, length);
            ForwardOutput out = model.forward(ForwardInput.ofIds(ids)
                    .withPrefixes(LayerPrefixes.of(prefixes)).withPositionIds(positions));
            Fixtures.assertMatchesReference("peft-prefix logits", out.logits(), ref.get("logits"));
            assertEquals(new Shape(batch, length, 311), out.logits().getShape());
        }
    }

    @Test
    void saveThenLoadGivesIdenticalLogits(@TempDir Path dir) throws Exception {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 11)) {
            NDArray ids = randomIds(manager, 2, 7, 5);
            NDArray before = model.forward(ForwardInput.ofIds(ids)).logits();
            model.unfreeze(Select.biases()); // saving trainable tensors works the same
            model.save(dir);
            assertTrue(Files.isRegularFile(dir.resolve("config.json")));
            try (Gpt2 loaded = Gpt2.load(dir, manager)) {
                assertEquals(model.weights().names(), loaded.weights().names());
                assertEquals(TINY.withDropout(0).toJson(), stripSaveFields(loaded.config().toJson()));
                NDArray after = loaded.forward(ForwardInput.ofIds(ids)).logits();
                assertEquals(0f, Fixtures.maxAbsDiff(before, after));
                assertTrue(loaded.loadReport().isClean());
                assertTrue(loaded.trainable().isEmpty());
            }
            // only model.safetensors and config.json: no temporary files left behind
            try (var files = Files.list(dir)) {
                assertEquals(List.of("config.json", "model.safetensors"),
                        files.map(p -> p.getFileName().toString()).sorted().toList());
            }
        }
    }

    /** A GPT2Model checkpoint stores names without "transformer."; it loads into the same weights. */
    @Test
    void loadsBaseModelNamesAndIgnoresTiedHeadAndMaskBuffers(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 3)) {
            Map<String, NDArray> renamed = new LinkedHashMap<>();
            model.weights().asMap().forEach((name, array) -> renamed.put(name.substring("transformer.".length()),
                    array));
            renamed.put("lm_head.weight", model.weight("transformer.wte.weight"));
            NDArray maskBuffer = manager.ones(new Shape(1, 1, 32, 32));
            renamed.put("h.0.attn.bias", maskBuffer);
            Safetensors.write(dir.resolve("model.safetensors"), renamed, Map.of());
            ConfigJson.write(TINY.toJson(), dir);
            try (Gpt2 loaded = Gpt2.load(dir, manager)) {
                NDArray ids = randomIds(manager, 2, 6, 1);
                assertEquals(0f, Fixtures.maxAbsDiff(model.forward(ForwardInput.ofIds(ids)).logits(),
                        loaded.forward(ForwardInput.ofIds(ids)).logits()));
                assertTrue(loaded.loadReport().isClean());
                assertEquals(List.of("lm_head.weight", "h.0.attn.bias"), loaded.loadReport().ignored());
            }
        }
    }

    /** tie_word_embeddings false: lm_head.weight is its own tensor, saved, loaded and used for the logits. */
    @Test
    void untiedLmHead(@TempDir Path dir) {
        com.google.gson.JsonObject json = TINY.toJson();
        json.addProperty("tie_word_embeddings", false);
        Gpt2Config untied = Gpt2Config.fromJson(json, "test config");
        try (NDManager manager = root.newSubManager(); Gpt2 model = Gpt2.random(untied, manager, 4)) {
            assertTrue(model.weights().contains("lm_head.weight"));
            NDArray ids = randomIds(manager, 1, 4, 4);
            ForwardOutput out = model.forward(ForwardInput.ofIds(ids));
            NDArray expected = out.lastHiddenState().matMul(model.weight("lm_head.weight").transpose());
            assertTrue(Fixtures.maxAbsDiff(expected, out.logits()) < 1e-6);
            model.unfreeze(model.taskHead());
            assertEquals(List.of("lm_head.weight"), List.copyOf(model.trainable().keySet()));
            model.save(dir);
            try (Gpt2 loaded = Gpt2.load(dir, manager)) {
                assertFalse(loaded.config().tieWordEmbeddings());
                assertEquals(0f, Fixtures.maxAbsDiff(out.logits(), loaded.forward(ForwardInput.ofIds(ids)).logits()));
            }
        }
    }

    @Test
    void kvCacheMatchesFullForwardTokenByTokenAndInChunks() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 5)) {
            NDArray ids = randomIds(manager, 2, 10, 2);
            NDArray noPadding = manager.ones(new Shape(2, 10), DataType.INT64);
            // row 1 is left-padded by three positions
            NDArray leftPadded = manager.create(new long[][] {
                {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1, 1, 1, 1}});
            LayerPrefixes prefixes = randomPrefixes(manager, model, 2, 3, true);
            for (NDArray mask : new NDArray[] {null, noPadding, leftPadded}) {
                for (LayerPrefixes p : new LayerPrefixes[] {null, prefixes}) {
                    ForwardInput full = ForwardInput.ofIds(ids).withAttentionMask(mask).withPrefixes(p);
                    NDArray expected = model.forward(full).logits();
                    for (int[] chunks : new int[][] {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {3, 4, 3}, {10}}) {
                        NDArray cached = decodeInChunks(model, manager, ids, mask, p, chunks);
                        // a padded query sees no key at all, so its output is arbitrary (as in transformers)
                        float d = Fixtures.maxAbsDiffWhere(expected, cached, mask);
                        assertTrue(d < 1e-5, "cached logits differ by " + d + " (mask " + (mask != null)
                                + ", prefix " + (p != null) + ", chunks " + chunks.length + ")");
                    }
                }
            }
        }
    }

    static NDArray decodeInChunks(Backbone model, NDManager manager, NDArray ids, NDArray mask,
                                  LayerPrefixes prefixes, int[] chunks) {
        List<NDArray> pieces = new ArrayList<>();
        try (KvCache cache = model.newCache(manager)) {
            int start = 0;
            for (int chunk : chunks) {
                int end = start + chunk;
                ForwardInput step = ForwardInput.ofIds(ids.get(":, " + start + ":" + end)).withCache(cache)
                        .withPrefixes(prefixes);
                if (mask != null) {
                    step = step.withAttentionMask(mask.get(":, 0:" + end));
                }
                ForwardOutput out = model.forward(step);
                assertEquals(end, cache.length());
                pieces.add(out.logits());
                start = end;
            }
        }
        return NDArrays.concat(new NDList(pieces), 1);
    }

    /**
     * Logits for the last n positions only are the last n of the full logits (to rounding: the vocabulary product
     * then has fewer rows, which changes its blocking); n >= T keeps all, exactly.
     */
    @Test
    void logitsToKeepReturnsTheLastPositionsOfTheFullLogits() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 7)) {
            NDArray ids = randomIds(manager, 2, 5, 3);
            NDArray mask = manager.create(new long[] {1, 1, 1, 1, 1, 0, 1, 1, 1, 1}, new Shape(2, 5));
            NDArray all = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask)).logits();
            NDArray last = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask).withLogitsToKeep(1)).logits();
            assertEquals(new Shape(2, 1, 97), last.getShape());
            assertTrue(Fixtures.maxAbsDiff(all.get(":, 4:, :"), last) < 1e-6);
            NDArray lastTwo = model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask).withLogitsToKeep(2))
                    .logits();
            assertTrue(Fixtures.maxAbsDiff(all.get(":, 3:, :"), lastTwo) < 1e-6);
            assertEquals(0f, Fixtures.maxAbsDiff(all,
                    model.forward(ForwardInput.ofIds(ids).withAttentionMask(mask).withLogitsToKeep(9)).logits()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ForwardInput.ofIds(ids).withLogitsToKeep(-1));
            assertTrue(e.getMessage().contains("logitsToKeep"), e.getMessage());
        }
    }

    @Test
    void absentAndEmptyPrefixesChangeNothing() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 7)) {
            NDArray ids = randomIds(manager, 2, 5, 3);
            NDArray plain = model.forward(ForwardInput.ofIds(ids)).logits();
            NDArray nulls = model.forward(ForwardInput.ofIds(ids).withPrefixes(LayerPrefixes.none(3))).logits();
            Prefix empty = Prefix.of(manager.zeros(new Shape(2, 4, 0, 6)), manager.zeros(new Shape(2, 4, 0, 6)));
            NDArray zeroLength = model.forward(ForwardInput.ofIds(ids)
                    .withPrefixes(LayerPrefixes.of(empty, empty, empty))).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(plain, nulls));
            assertEquals(0f, Fixtures.maxAbsDiff(plain, zeroLength));
            // a real prefix does change the output, and a fully masked one does not
            LayerPrefixes real = randomPrefixes(manager, model, 2, 2, false);
            assertTrue(Fixtures.maxAbsDiff(plain, model.forward(ForwardInput.ofIds(ids).withPrefixes(real))
                    .logits()) > 1e-3);
            List<Prefix> masked = new ArrayList<>();
            for (int layer = 0; layer < 3; layer++) {
                Prefix p = real.get(layer);
                masked.add(new Prefix(p.key(), p.value(), manager.zeros(new Shape(2, 2))));
            }
            NDArray maskedOut = model.forward(ForwardInput.ofIds(ids).withPrefixes(LayerPrefixes.of(masked)))
                    .logits();
            assertTrue(Fixtures.maxAbsDiff(plain, maskedOut) < 1e-6);
        }
    }

    @Test
    void inputsEmbedsEqualTokenEmbeddingsOfIds() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 8)) {
            NDArray ids = randomIds(manager, 2, 6, 4);
            NDArray embeds = model.weight("transformer.wte.weight").get(ids.flatten()).reshape(2, 6, 24);
            NDArray fromIds = model.forward(ForwardInput.ofIds(ids)).logits();
            NDArray fromEmbeds = model.forward(ForwardInput.ofEmbeds(embeds)).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(fromIds, fromEmbeds));
        }
    }

    @Test
    void identityHooksChangeNothingAndRunAtEveryPoint() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 9)) {
            NDArray ids = randomIds(manager, 2, 6, 6);
            ForwardOutput plain = model.forward(ForwardInput.ofIds(ids).withHiddenStates(true));
            AtomicInteger calls = new AtomicInteger();
            Hooks counting = new Hooks() {
                @Override
                public NDArray afterEmbeddings(NDArray hidden) {
                    calls.incrementAndGet();
                    return hidden;
                }

                @Override
                public NDArray beforeLayer(int layer, NDArray hidden) {
                    calls.incrementAndGet();
                    return hidden.add(0); // a new array equal to the input
                }

                @Override
                public NDArray afterAttention(int layer, NDArray out) {
                    calls.incrementAndGet();
                    return out;
                }

                @Override
                public NDArray afterFeedForward(int layer, NDArray out) {
                    calls.incrementAndGet();
                    return out.mul(1);
                }
            };
            ForwardOutput hooked = model.forward(ForwardInput.ofIds(ids).withHiddenStates(true)
                    .withHooks(Hooks.chain(counting, Hooks.NONE)));
            assertEquals(1 + 3 * 3, calls.get());
            assertEquals(0f, Fixtures.maxAbsDiff(plain.logits(), hooked.logits()));
            for (int i = 0; i < plain.hiddenStates().size(); i++) {
                assertEquals(0f, Fixtures.maxAbsDiff(plain.hiddenStates().get(i), hooked.hiddenStates().get(i)));
            }
            // a hook that does change the feed-forward output changes the logits
            Hooks scaling = new Hooks() {
                @Override
                public NDArray afterFeedForward(int layer, NDArray out) {
                    return out.mul(2);
                }
            };
            assertTrue(Fixtures.maxAbsDiff(plain.logits(),
                    model.forward(ForwardInput.ofIds(ids).withHooks(scaling)).logits()) > 1e-4);
        }
    }

    @Test
    void dropoutOnlyWhenTrainingAndRepeatableWithASeed() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY.withDropout(0.2), manager, 10)) {
            NDArray ids = randomIds(manager, 2, 6, 7);
            NDArray eval1 = model.forward(ForwardInput.ofIds(ids)).logits();
            NDArray eval2 = model.forward(ForwardInput.ofIds(ids)).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(eval1, eval2));
            Engine engine = manager.getEngine();
            engine.setRandomSeed(42);
            NDArray train1 = model.forward(ForwardInput.ofIds(ids).withTraining(true)).logits();
            NDArray train2 = model.forward(ForwardInput.ofIds(ids).withTraining(true)).logits();
            engine.setRandomSeed(42);
            NDArray train1Again = model.forward(ForwardInput.ofIds(ids).withTraining(true)).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(train1, train1Again));
            assertTrue(Fixtures.maxAbsDiff(train1, train2) > 1e-4);
            assertTrue(Fixtures.maxAbsDiff(train1, eval1) > 1e-4);
        }
    }

    @Test
    void forwardLeavesNoArraysBehind() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 12)) {
            NDArray ids = randomIds(manager, 2, 6, 8);
            LayerPrefixes prefixes = randomPrefixes(manager, model, 1, 2, true);
            int weightsBefore = model.weights().manager().getManagedArrays().size();
            try (NDManager step = manager.newSubManager(); KvCache cache = model.newCache(manager)) {
                NDArray stepIds = ids.duplicate();
                stepIds.attach(step);
                int before = step.getManagedArrays().size();
                ForwardOutput out = model.forward(ForwardInput.ofIds(stepIds).withPrefixes(prefixes)
                        .withCache(cache).withHiddenStates(true));
                // the caller's manager gains exactly the outputs: logits and the hidden states
                int outputs = 1 + out.hiddenStates().size();
                assertEquals(before + outputs, step.getManagedArrays().size());
                assertEquals(weightsBefore, model.weights().manager().getManagedArrays().size());
                assertFalse(cache.isEmpty());
            }
        }
    }

    @Test
    void rejectsMismatchedInputs() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 13)) {
            NDArray ids = randomIds(manager, 2, 6, 9);
            IllegalArgumentException shortMask = assertThrows(IllegalArgumentException.class, () -> model.forward(
                    ForwardInput.ofIds(ids).withAttentionMask(manager.ones(new Shape(2, 5)))));
            assertTrue(shortMask.getMessage().contains("attentionMask"), shortMask.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ForwardInput.ofIds(ids).withPrefixes(LayerPrefixes.none(2))));
            assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ForwardInput.ofIds(randomIds(manager, 1, 40, 1))));
            NDArray wrongWidth = manager.zeros(new Shape(2, 6, 10));
            assertThrows(IllegalArgumentException.class, () -> model.forward(ForwardInput.ofEmbeds(wrongWidth)));
        }
    }

    @Test
    void cacheReorderFollowsBatchRows() {
        try (NDManager manager = root.newSubManager();
             Gpt2 model = Gpt2.random(TINY, manager, 14)) {
            NDArray ids = randomIds(manager, 2, 5, 10);
            try (KvCache cache = model.newCache(manager)) {
                model.forward(ForwardInput.ofIds(ids.get(":, 0:4")).withCache(cache));
                cache.reorder(manager.create(new long[] {1, 1}));
                NDArray next = model.forward(ForwardInput.ofIds(ids.get("1:2, 4:5").repeat(0, 2)).withCache(cache))
                        .logits();
                NDArray full = model.forward(ForwardInput.ofIds(ids.get("1:2"))).logits().get(":, 4:5");
                assertTrue(Fixtures.maxAbsDiff(next.get("0:1"), full) < 1e-5);
                assertTrue(Fixtures.maxAbsDiff(next.get("1:2"), full) < 1e-5);
            }
        }
    }

    static NDArray randomIds(NDManager manager, int batch, int length, long seed) {
        java.util.Random random = new java.util.Random(seed);
        long[][] ids = new long[batch][length];
        for (long[] row : ids) {
            for (int i = 0; i < length; i++) {
                row[i] = random.nextInt(50);
            }
        }
        return manager.create(ids);
    }

    /** Random per-layer prefixes [batch, heads, length, headDim]; with a mask whose last position is 0 in row 0. */
    static LayerPrefixes randomPrefixes(NDManager manager, Backbone model, int batch, int length, boolean mask) {
        List<Prefix> prefixes = new ArrayList<>();
        Shape shape = new Shape(batch, model.numHeads(), length, model.headDim());
        for (int layer = 0; layer < model.numLayers(); layer++) {
            NDArray prefixMask = null;
            if (mask) {
                prefixMask = manager.ones(new Shape(batch, length));
                prefixMask.set(new ai.djl.ndarray.index.NDIndex("0, " + (length - 1)), 0);
            }
            prefixes.add(new Prefix(manager.randomNormal(shape), manager.randomNormal(shape), prefixMask));
        }
        return LayerPrefixes.of(prefixes);
    }

    private static com.google.gson.JsonObject stripSaveFields(com.google.gson.JsonObject json) {
        json.remove("architectures");
        json.remove("torch_dtype");
        return json;
    }

    @Test
    void randomInitIsRepeatableAndFollowsHuggingFace() {
        try (NDManager manager = root.newSubManager();
             Gpt2 a = Gpt2.random(TINY, manager, 1);
             Gpt2 b = Gpt2.random(TINY, manager, 1);
             Gpt2 c = Gpt2.random(TINY, manager, 2)) {
            NDArray wte = a.weight("transformer.wte.weight");
            assertEquals(0f, Fixtures.maxAbsDiff(wte, b.weight("transformer.wte.weight")));
            assertNotEquals(0f, Fixtures.maxAbsDiff(wte, c.weight("transformer.wte.weight")));
            assertEquals(0.02, wte.toType(DataType.FLOAT64, false).sub(wte.mean()).pow(2).mean().sqrt()
                    .getDouble(), 0.002);
            NDArray proj = a.weight("transformer.h.0.mlp.c_proj.weight");
            double projStd = proj.pow(2).mean().sqrt().getFloat();
            assertEquals(0.02 / Math.sqrt(6), projStd, 0.002);
            assertEquals(0f, a.weight("transformer.h.1.attn.c_attn.bias").abs().sum().getFloat());
            assertEquals(0f, a.weight("transformer.ln_f.weight").sub(1).abs().sum().getFloat());
            assertTrue(a.trainable().isEmpty());
        }
    }
}
