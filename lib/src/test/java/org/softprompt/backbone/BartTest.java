package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * BART by equivalences on tiny random checkpoints (no transformers-written BART fixture exists here), by a forward
 * pass computed by hand in this test with plain NDArray arithmetic, and, when Debian's python3-torch is installed, by
 * an independent plain-PyTorch forward (src/test/python/bart_reference.py) over the same safetensors.
 */
class BartTest {
    /** Encoder: 2 layers of 4 heads; decoder: 3 layers of 2 heads (so the stacks' prefix shapes differ). */
    private static final BartConfig TINY = BartConfig.of(61, 24, 16, 2, 4, 32).withDecoder(3, 2, 24).withDropout(0);
    private static NDManager root;

    @BeforeAll
    static void start() {
        root = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    /** A random model whose every tensor (biases, LayerNorms, final_logits_bias too) is random, so all of it counts. */
    private static Bart randomized(BartConfig config, NDManager manager, long seed) {
        Bart model = Bart.random(config, manager, seed);
        Random random = new Random(seed);
        for (String name : model.weights().names()) {
            Shape shape = model.weight(name).getShape();
            float[] values = new float[(int) shape.size()];
            boolean layerNormWeight = (name.contains("layer_norm") || name.contains("layernorm")) && name.endsWith(
                    ".weight");
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (layerNormWeight ? 1 + 0.2 * random.nextGaussian() : 0.3 * random.nextGaussian());
            }
            model.weights().put(name, model.weights().manager().create(values, shape).duplicate());
        }
        return model;
    }

    private static NDArray ids(NDManager manager, int batch, int length, long seed) {
        Random random = new Random(seed);
        long[][] ids = new long[batch][length];
        for (long[] row : ids) {
            for (int i = 0; i < length; i++) {
                row[i] = 3 + random.nextInt(55);
            }
        }
        return manager.create(ids);
    }

    private static NDArray normal(NDManager manager, Shape shape, long seed) {
        Random random = new Random(seed);
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }

    /** Random prefixes [batch, heads, length, headDim] for {@code layers} layers; row 0's last position masked. */
    private static LayerPrefixes prefixes(NDManager manager, int layers, int heads, int headDim, int batch,
                                          int length, boolean mask, long seed) {
        List<Prefix> perLayer = new ArrayList<>();
        Shape shape = new Shape(batch, heads, length, headDim);
        for (int layer = 0; layer < layers; layer++) {
            NDArray prefixMask = null;
            if (mask && length > 0) {
                prefixMask = manager.ones(new Shape(batch, length));
                prefixMask.set(new ai.djl.ndarray.index.NDIndex("0, " + (length - 1)), 0);
            }
            perLayer.add(new Prefix(normal(manager, shape, seed + 2 * layer), normal(manager, shape,
                    seed + 2 * layer + 1), prefixMask));
        }
        return LayerPrefixes.of(perLayer);
    }

    private static LayerPrefixes encoderPrefixes(NDManager manager, BartConfig c, int batch, int length, long seed) {
        return prefixes(manager, c.encoderLayers(), c.encoderHeads(), c.encoderHeadDim(), batch, length, false,
                seed);
    }

    private static LayerPrefixes decoderPrefixes(NDManager manager, BartConfig c, int batch, int length, long seed) {
        return prefixes(manager, c.decoderLayers(), c.decoderHeads(), c.decoderHeadDim(), batch, length, false,
                seed);
    }

    @Test
    void saveThenLoadGivesIdenticalLogits(@TempDir Path dir) throws Exception {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 1)) {
            NDArray source = ids(manager, 2, 7, 1);
            NDArray target = ids(manager, 2, 5, 2);
            ForwardInput input = ForwardInput.ofIds(source).withDecoder(DecoderInput.ofIds(target));
            NDArray before = model.forward(input).logits();
            model.save(dir);
            try (var files = Files.list(dir)) {
                assertEquals(List.of("config.json", "model.safetensors"),
                        files.map(p -> p.getFileName().toString()).sorted().toList());
            }
            try (Backbone loaded = Backbones.load(dir, manager)) {
                Bart bart = assertInstanceOf(Bart.class, loaded);
                assertEquals(model.weights().names(), bart.weights().names());
                assertTrue(bart.loadReport().isClean(), bart.loadReport().toString());
                assertTrue(bart.hasLogitsBias());
                JsonObject saved = bart.config().toJson();
                assertEquals("BartForConditionalGeneration", saved.getAsJsonArray("architectures").get(0)
                        .getAsString());
                saved.remove("architectures");
                saved.remove("torch_dtype");
                assertEquals(TINY.toJson(), saved);
                assertEquals(0f, Fixtures.maxAbsDiff(before, bart.forward(input).logits()));
            }
        }
    }

    /**
     * A BartModel checkpoint stores names without "model.", may store the tied embed_tokens copies, and has no
     * final_logits_bias (transformers then uses zeros).
     */
    @Test
    void loadsBartModelCheckpointWithoutLogitsBias(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 2)) {
            Map<String, NDArray> stored = new LinkedHashMap<>();
            model.weights().asMap().forEach((name, array) -> {
                if (name.startsWith("model.")) {
                    stored.put(name.substring("model.".length()), array);
                }
            });
            stored.put("encoder.embed_tokens.weight", model.weight("model.shared.weight"));
            stored.put("decoder.embed_tokens.weight", model.weight("model.shared.weight"));
            Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());
            ConfigJson.write(TINY.toJson(), dir);
            try (Bart loaded = Bart.load(dir, manager)) {
                assertTrue(loaded.loadReport().isClean(), loaded.loadReport().toString());
                assertEquals(java.util.Set.of("encoder.embed_tokens.weight", "decoder.embed_tokens.weight"),
                        java.util.Set.copyOf(loaded.loadReport().ignored()));
                assertFalse(loaded.hasLogitsBias());
                NDArray source = ids(manager, 2, 6, 3);
                ForwardInput input = ForwardInput.ofIds(source);
                NDArray withBias = model.forward(input).logits();
                NDArray withoutBias = loaded.forward(input).logits();
                float d = Fixtures.maxAbsDiff(withBias.sub(model.weight("final_logits_bias")), withoutBias);
                assertTrue(d < 1e-5, "logits without final_logits_bias differ by " + d);
            }
            // strict loading with a requested bias fails naming it; lenient loading initializes it to zeros
            CheckpointException missing = assertThrows(CheckpointException.class,
                    () -> Bart.load(dir, TINY, manager, LoadOptions.strict().withTaskHead(true)));
            assertTrue(missing.getMessage().contains("final_logits_bias"), missing.getMessage());
            try (Bart lenient = Bart.load(dir, TINY, manager, LoadOptions.lenient().withTaskHead(true))) {
                assertEquals(List.of("final_logits_bias"), lenient.loadReport().initialized());
                assertEquals(0f, lenient.weight("final_logits_bias").abs().max().getFloat());
            }
        }
    }

    /** transformers ties model.shared, both embed_tokens and lm_head into one tensor: a checkpoint may keep a copy. */
    @Test
    void loadsSharedEmbeddingsFromATiedCopy(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 21)) {
            Map<String, NDArray> stored = new LinkedHashMap<>(model.weights().asMap());
            NDArray shared = stored.remove("model.shared.weight");
            stored.put("lm_head.weight", shared);
            stored.put("model.decoder.embed_tokens.weight", shared);
            Safetensors.write(dir.resolve("model.safetensors"), stored, Map.of());
            ConfigJson.write(TINY.toJson(), dir);
            try (Bart loaded = Bart.load(dir, manager)) {
                assertTrue(loaded.loadReport().isClean(), loaded.loadReport().toString());
                assertEquals(List.of("lm_head.weight"), loaded.loadReport().ignored());
                assertEquals(model.weights().names(), loaded.weights().names());
                ForwardInput input = ForwardInput.ofIds(ids(manager, 2, 5, 52));
                assertEquals(0f, Fixtures.maxAbsDiff(model.forward(input).logits(), loaded.forward(input).logits()));
            }
        }
    }

    @Test
    void readsHuggingFaceConfigJson() {
        // facebook/bart-base's config.json fields (legacy fairseq fields included; transformers ignores them)
        String json = """
                {"_name_or_path": "bart-base", "activation_dropout": 0.1, "activation_function": "gelu",
                 "add_bias_logits": false, "add_final_layer_norm": false, "architectures": ["BartModel"],
                 "attention_dropout": 0.1, "bos_token_id": 0, "classif_dropout": 0.1, "classifier_dropout": 0.0,
                 "d_model": 768, "decoder_attention_heads": 12, "decoder_ffn_dim": 3072, "decoder_layerdrop": 0.0,
                 "decoder_layers": 6, "decoder_start_token_id": 2, "dropout": 0.1, "early_stopping": true,
                 "encoder_attention_heads": 12, "encoder_ffn_dim": 3072, "encoder_layerdrop": 0.0,
                 "encoder_layers": 6, "eos_token_id": 2, "forced_eos_token_id": 2, "init_std": 0.02,
                 "is_encoder_decoder": true, "max_position_embeddings": 1024, "model_type": "bart",
                 "no_repeat_ngram_size": 3, "normalize_before": false, "normalize_embedding": true,
                 "num_beams": 4, "num_hidden_layers": 6, "pad_token_id": 1, "scale_embedding": false,
                 "use_cache": true, "vocab_size": 50265}""";
        BartConfig c = BartConfig.fromJson(JsonParser.parseString(json).getAsJsonObject(), "bart-base");
        assertEquals(768, c.hiddenSize());
        assertEquals(6, c.encoderLayers());
        assertEquals(6, c.decoderLayers());
        assertEquals(6, c.numLayers());
        assertEquals(12, c.numHeads());
        assertEquals(64, c.decoderHeadDim());
        assertEquals(3072, c.decoderFfnDim());
        assertEquals(Activation.GELU, c.activation());
        assertEquals(0.1, c.activationDropout());
        assertEquals(0.1, c.attentionDropout());
        assertEquals(1, c.padTokenId());
        assertEquals(2, c.decoderStartTokenId());
        assertEquals(1.0, c.embedScale());
        assertEquals(0.02, c.initializerRange());
        // fields not modelled survive
        assertEquals(4, c.toJson().get("num_beams").getAsInt());
        assertEquals(c.toJson(), BartConfig.fromJson(c.toJson(), "round trip").toJson());

        JsonObject wrongType = JsonParser.parseString(json).getAsJsonObject();
        wrongType.addProperty("model_type", "t5");
        ConfigException e = assertThrows(ConfigException.class, () -> BartConfig.fromJson(wrongType, "x.json"));
        assertTrue(e.getMessage().contains("x.json") && e.getMessage().contains("model_type"), e.getMessage());
        JsonObject badHeads = JsonParser.parseString(json).getAsJsonObject();
        badHeads.addProperty("decoder_attention_heads", 5);
        e = assertThrows(ConfigException.class, () -> BartConfig.fromJson(badHeads, "x.json"));
        assertTrue(e.getMessage().contains("decoder_attention_heads"), e.getMessage());
        JsonObject scaled = JsonParser.parseString(json).getAsJsonObject();
        scaled.addProperty("scale_embedding", true);
        assertEquals(Math.sqrt(768), BartConfig.fromJson(scaled, "x").embedScale(), 1e-12);
    }

    /** Full decoder passes against cached decoding, token by token and in chunks, with masks and all prefixes. */
    @Test
    void kvCacheMatchesFullDecoderPass() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 3)) {
            NDArray source = ids(manager, 2, 6, 4);
            NDArray sourceMask = manager.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}});
            NDArray target = ids(manager, 2, 7, 5);
            NDArray targetMask = manager.create(new long[][] {{1, 1, 1, 1, 1, 1, 1}, {1, 1, 0, 1, 1, 1, 1}});
            LayerPrefixes encoderPrefixes = encoderPrefixes(manager, TINY, 2, 3, 6);
            LayerPrefixes selfPrefixes = prefixes(manager, 3, 2, 8, 1, 2, false, 7);
            LayerPrefixes crossPrefixes = prefixes(manager, 3, 2, 8, 2, 4, true, 8);
            for (boolean masks : new boolean[] {false, true}) {
                for (boolean withPrefixes : new boolean[] {masks}) { // plain, then masks and all prefix kinds
                    ForwardInput encoderInput = ForwardInput.ofIds(source)
                            .withAttentionMask(masks ? sourceMask : null)
                            .withPrefixes(withPrefixes ? encoderPrefixes : null);
                    DecoderInput full = DecoderInput.ofIds(target).withAttentionMask(masks ? targetMask : null)
                            .withPrefixes(withPrefixes ? selfPrefixes : null)
                            .withCrossPrefixes(withPrefixes ? crossPrefixes : null);
                    NDArray expected = model.forward(encoderInput.withDecoder(full)).logits();
                    NDArray encoderOutput = model.encode(encoderInput).lastHiddenState();
                    for (int[] chunks : new int[][] {{1, 1, 1, 1, 1, 1, 1}, {3, 4}}) {
                        List<NDArray> pieces = new ArrayList<>();
                        try (KvCache cache = model.newCache(manager)) {
                            assertEquals(3, cache.numLayers());
                            int start = 0;
                            NDArray firstCrossKey = null;
                            for (int chunk : chunks) {
                                int end = start + chunk;
                                DecoderInput step = DecoderInput.ofIds(target.get(":, " + start + ":" + end))
                                        .withAttentionMask(masks ? targetMask.get(":, 0:" + end) : null)
                                        .withPrefixes(full.prefixes()).withCrossPrefixes(full.crossPrefixes());
                                ForwardOutput out = model.forward(ForwardInput.ofEncoderOutput(encoderOutput)
                                        .withAttentionMask(encoderInput.attentionMask()).withDecoder(step)
                                        .withCache(cache));
                                assertEquals(end, cache.length());
                                assertTrue(cache.hasCrossAttention());
                                if (firstCrossKey == null) {
                                    firstCrossKey = cache.crossKey(0);
                                } else {
                                    // projected once from the encoder output, then reused as is
                                    assertSame(firstCrossKey, cache.crossKey(0));
                                }
                                pieces.add(out.logits());
                                start = end;
                            }
                        }
                        NDArray cached = NDArrays.concat(new NDList(pieces), 1);
                        float d = Fixtures.maxAbsDiff(expected, cached);
                        System.out.println("BART cached vs full (masks " + masks + ", prefixes " + withPrefixes
                                + ", " + chunks.length + " chunks) max abs diff " + d);
                        assertTrue(d < 1e-5, "cached logits differ by " + d);
                    }
                }
            }
        }
    }

    @Test
    void absentAndEmptyPrefixesChangeNothing() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 4)) {
            NDArray source = ids(manager, 2, 5, 9);
            NDArray target = ids(manager, 2, 4, 10);
            NDArray plain = model.forward(ForwardInput.ofIds(source).withDecoder(DecoderInput.ofIds(target)))
                    .logits();
            LayerPrefixes emptyEncoder = encoderPrefixes(manager, TINY, 2, 0, 1);
            LayerPrefixes emptyDecoder = decoderPrefixes(manager, TINY, 2, 0, 2);
            NDArray empty = model.forward(ForwardInput.ofIds(source).withPrefixes(emptyEncoder)
                    .withDecoder(DecoderInput.ofIds(target).withPrefixes(emptyDecoder)
                            .withCrossPrefixes(emptyDecoder))).logits();
            NDArray nulls = model.forward(ForwardInput.ofIds(source).withPrefixes(LayerPrefixes.none(2))
                    .withDecoder(DecoderInput.ofIds(target).withPrefixes(LayerPrefixes.none(3))
                            .withCrossPrefixes(LayerPrefixes.none(3)))).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(plain, empty));
            assertEquals(0f, Fixtures.maxAbsDiff(plain, nulls));
            // fully masked prefixes of each kind change nothing either
            LayerPrefixes maskedEncoder = masked(manager, encoderPrefixes(manager, TINY, 2, 2, 3));
            LayerPrefixes maskedDecoder = masked(manager, decoderPrefixes(manager, TINY, 2, 2, 4));
            NDArray masked = model.forward(ForwardInput.ofIds(source).withPrefixes(maskedEncoder)
                    .withDecoder(DecoderInput.ofIds(target).withPrefixes(maskedDecoder)
                            .withCrossPrefixes(maskedDecoder))).logits();
            assertTrue(Fixtures.maxAbsDiff(plain, masked) < 1e-6);
        }
    }

    private static LayerPrefixes masked(NDManager manager, LayerPrefixes prefixes) {
        List<Prefix> perLayer = new ArrayList<>();
        for (int layer = 0; layer < prefixes.numLayers(); layer++) {
            Prefix p = prefixes.get(layer);
            perLayer.add(new Prefix(p.key(), p.value(), manager.zeros(new Shape(p.batchSize(), p.length()))));
        }
        return LayerPrefixes.of(perLayer);
    }

    /** What one decoder layer's sublayers produced, captured by hooks. */
    private static final class Capture implements Hooks {
        private final int layer;
        private final NDManager keep;
        NDArray selfAttention;
        NDArray crossAttention;

        Capture(int layer, NDManager keep) {
            this.layer = layer;
            this.keep = keep;
        }

        private NDArray copy(NDArray out) {
            NDArray copy = out.duplicate();
            copy.attach(keep);
            return copy;
        }

        @Override
        public NDArray afterAttention(int l, NDArray out) {
            if (l == layer) {
                selfAttention = copy(out);
            }
            return out;
        }

        @Override
        public NDArray afterCrossAttention(int l, NDArray out) {
            if (l == layer) {
                crossAttention = copy(out);
            }
            return out;
        }
    }

    /**
     * Each prefix kind enters only its own attention: an encoder prefix changes the encoder output (and so the
     * cross-attention), a cross-attention prefix changes the cross-attention but not the encoder output nor the first
     * decoder layer's self-attention, and a decoder self-attention prefix changes the decoder's self-attention but
     * not the encoder output.
     */
    @Test
    void eachPrefixKindEntersOnlyItsAttention() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 5)) {
            NDArray source = ids(manager, 2, 5, 11);
            NDArray target = ids(manager, 2, 4, 12);
            LayerPrefixes encoder = encoderPrefixes(manager, TINY, 2, 3, 13);
            LayerPrefixes decoder = decoderPrefixes(manager, TINY, 1, 3, 14);
            LayerPrefixes cross = decoderPrefixes(manager, TINY, 2, 3, 15);
            Run plain = run(model, source, target, null, null, null);
            Run withEncoder = run(model, source, target, encoder, null, null);
            Run withSelf = run(model, source, target, null, decoder, null);
            Run withCross = run(model, source, target, null, null, cross);

            assertTrue(Fixtures.maxAbsDiff(plain.encoderOutput, withEncoder.encoderOutput) > 1e-3);
            assertEquals(0f, Fixtures.maxAbsDiff(plain.selfAttention, withEncoder.selfAttention));
            assertTrue(Fixtures.maxAbsDiff(plain.crossAttention, withEncoder.crossAttention) > 1e-3);
            assertTrue(Fixtures.maxAbsDiff(plain.logits, withEncoder.logits) > 1e-3);

            assertEquals(0f, Fixtures.maxAbsDiff(plain.encoderOutput, withSelf.encoderOutput));
            assertTrue(Fixtures.maxAbsDiff(plain.selfAttention, withSelf.selfAttention) > 1e-3);
            assertTrue(Fixtures.maxAbsDiff(plain.logits, withSelf.logits) > 1e-3);

            assertEquals(0f, Fixtures.maxAbsDiff(plain.encoderOutput, withCross.encoderOutput));
            assertEquals(0f, Fixtures.maxAbsDiff(plain.selfAttention, withCross.selfAttention));
            assertTrue(Fixtures.maxAbsDiff(plain.crossAttention, withCross.crossAttention) > 1e-3);
            assertTrue(Fixtures.maxAbsDiff(plain.logits, withCross.logits) > 1e-3);

            // a prefix in decoder layer 1 only leaves layer 0 untouched
            LayerPrefixes onlyLayer1 = LayerPrefixes.none(3).with(1, cross.get(1));
            Run layer1 = run(model, source, target, null, null, onlyLayer1);
            assertEquals(0f, Fixtures.maxAbsDiff(plain.crossAttention, layer1.crossAttention));
            assertTrue(Fixtures.maxAbsDiff(plain.logits, layer1.logits) > 1e-3);
        }
    }

    private record Run(NDArray logits, NDArray encoderOutput, NDArray selfAttention, NDArray crossAttention) {}

    private static Run run(Bart model, NDArray source, NDArray target, LayerPrefixes encoder, LayerPrefixes decoder,
                           LayerPrefixes cross) {
        Capture capture = new Capture(0, source.getManager());
        ForwardOutput out = model.forward(ForwardInput.ofIds(source).withPrefixes(encoder)
                .withDecoder(DecoderInput.ofIds(target).withPrefixes(decoder).withCrossPrefixes(cross)
                        .withHooks(capture)));
        return new Run(out.logits(), out.encoderLastHiddenState(), capture.selfAttention, capture.crossAttention);
    }

    /**
     * Source padding: a padded row gives what it gives alone (the encoder's self-attention and the cross-attention
     * both ignore the padding), and garbage in the encoder output at padded positions changes nothing.
     */
    @Test
    void sourcePaddingIsIgnoredByEncoderAndCrossAttention() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 6)) {
            NDArray source = ids(manager, 2, 8, 16);
            source.set(new ai.djl.ndarray.index.NDIndex("1, 5:"), TINY.padTokenId());
            NDArray mask = manager.create(new long[][] {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0, 0}});
            NDArray target = ids(manager, 2, 4, 17);
            LayerPrefixes cross = decoderPrefixes(manager, TINY, 2, 2, 18);
            ForwardOutput batch = model.forward(ForwardInput.ofIds(source).withAttentionMask(mask)
                    .withDecoder(DecoderInput.ofIds(target).withCrossPrefixes(cross)));
            LayerPrefixes crossRow1 = LayerPrefixes.of(List.of(cross.get(0), cross.get(1), cross.get(2)).stream()
                    .map(p -> Prefix.of(p.key().get("1:2"), p.value().get("1:2"))).toList());
            ForwardOutput alone = model.forward(ForwardInput.ofIds(source.get("1:2, 0:5"))
                    .withDecoder(DecoderInput.ofIds(target.get("1:2")).withCrossPrefixes(crossRow1)));
            float d = Fixtures.maxAbsDiff(batch.logits().get("1:2"), alone.logits());
            assertTrue(d < 1e-5, "padded row differs from the row alone by " + d);
            float encoderDiff = Fixtures.maxAbsDiff(batch.encoderLastHiddenState().get("1:2, 0:5"),
                    alone.encoderLastHiddenState());
            assertTrue(encoderDiff < 1e-5, "encoder outputs differ by " + encoderDiff);
            // without the mask the padding is attended to, and the row changes
            NDArray unmasked = model.forward(ForwardInput.ofIds(source)
                    .withDecoder(DecoderInput.ofIds(target).withCrossPrefixes(cross))).logits();
            assertTrue(Fixtures.maxAbsDiff(unmasked.get("1:2"), alone.logits()) > 1e-3);

            // cross-attention alone: overwrite the encoder output at masked positions
            NDArray encoderOutput = batch.encoderLastHiddenState().duplicate();
            encoderOutput.set(new ai.djl.ndarray.index.NDIndex("1, 5:"), 7f);
            NDArray fromGarbage = model.forward(ForwardInput.ofEncoderOutput(encoderOutput).withAttentionMask(mask)
                    .withDecoder(DecoderInput.ofIds(target).withCrossPrefixes(cross))).logits();
            assertTrue(Fixtures.maxAbsDiff(batch.logits(), fromGarbage) < 1e-5);
        }
    }

    /** The decoder mask: a masked decoder position is invisible to later ones, cached or not. */
    @Test
    void decoderMaskHidesMaskedPositions() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 7)) {
            NDArray source = ids(manager, 1, 5, 19);
            NDArray target = ids(manager, 1, 5, 20);
            NDArray mask = manager.create(new long[][] {{1, 0, 1, 1, 1}});
            NDArray masked = model.forward(ForwardInput.ofIds(source)
                    .withDecoder(DecoderInput.ofIds(target).withAttentionMask(mask))).logits();
            // changing the masked token changes nothing at the other positions (positions stay where they are)
            NDArray other = target.duplicate();
            other.set(new ai.djl.ndarray.index.NDIndex("0, 1"), 40);
            NDArray maskedOther = model.forward(ForwardInput.ofIds(source)
                    .withDecoder(DecoderInput.ofIds(other).withAttentionMask(mask))).logits();
            NDArray keep = mask.toType(DataType.FLOAT32, false);
            assertTrue(Fixtures.maxAbsDiffWhere(masked, maskedOther, keep) < 1e-5);
            NDArray unmasked = model.forward(ForwardInput.ofIds(source).withDecoder(DecoderInput.ofIds(target)))
                    .logits();
            assertTrue(Fixtures.maxAbsDiff(masked.get(":, 0:1"), unmasked.get(":, 0:1")) < 1e-6);
            assertTrue(Fixtures.maxAbsDiff(masked.get(":, 2:"), unmasked.get(":, 2:")) > 1e-3);
        }
    }

    /** The whole forward pass of a one-layer-each model, written out with plain NDArray arithmetic. */
    @Test
    void matchesForwardComputedByHand() {
        BartConfig config = BartConfig.of(61, 24, 16, 1, 4, 32).withDecoder(1, 2, 24).withDropout(0)
                .withScaleEmbedding(true);
        try (NDManager manager = root.newSubManager(); Bart model = randomized(config, manager, 8)) {
            NDArray source = ids(manager, 2, 6, 21);
            NDArray sourceMask = manager.create(new float[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}});
            NDArray target = ids(manager, 2, 4, 22);
            NDArray targetMask = manager.create(new float[][] {{1, 1, 1, 1}, {1, 0, 1, 1}});
            LayerPrefixes encoder = prefixes(manager, 1, 4, 4, 2, 2, true, 23);
            LayerPrefixes decoder = prefixes(manager, 1, 2, 8, 1, 3, false, 24);
            LayerPrefixes cross = prefixes(manager, 1, 2, 8, 2, 2, true, 25);
            ForwardOutput out = model.forward(ForwardInput.ofIds(source).withAttentionMask(sourceMask)
                    .withPrefixes(encoder).withDecoder(DecoderInput.ofIds(target).withAttentionMask(targetMask)
                            .withPrefixes(decoder).withCrossPrefixes(cross)));

            double scale = Math.sqrt(16);
            // encoder
            NDArray x = embed(model, source, scale, "model.encoder.");
            x = layerNorm(x, model, "model.encoder.layernorm_embedding");
            String e = "model.encoder.layers.0.";
            NDArray sourceKeys = sourceMask.reshape(2, 1, 6).repeat(1, 6);
            NDArray a = attention(model, e + "self_attn.", x, x, 4, sourceKeys, encoder.get(0));
            x = layerNorm(x.add(a), model, e + "self_attn_layer_norm");
            x = layerNorm(x.add(feedForward(model, e, x)), model, e + "final_layer_norm");
            float encoderDiff = Fixtures.maxAbsDiff(x, out.encoderLastHiddenState());
            // decoder
            NDArray y = embed(model, target, scale, "model.decoder.");
            y = layerNorm(y, model, "model.decoder.layernorm_embedding");
            String p = "model.decoder.layers.0.";
            NDArray causal = manager.create(new float[][] {{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}, {1, 1, 1, 1}})
                    .reshape(1, 4, 4);
            NDArray selfKeys = causal.mul(targetMask.reshape(2, 1, 4));
            a = attention(model, p + "self_attn.", y, y, 2, selfKeys, decoder.get(0));
            y = layerNorm(y.add(a), model, p + "self_attn_layer_norm");
            NDArray crossKeys = sourceMask.reshape(2, 1, 6).repeat(1, 4);
            a = attention(model, p + "encoder_attn.", y, x, 2, crossKeys, cross.get(0));
            y = layerNorm(y.add(a), model, p + "encoder_attn_layer_norm");
            y = layerNorm(y.add(feedForward(model, p, y)), model, p + "final_layer_norm");
            NDArray logits = y.matMul(model.weight("model.shared.weight").transpose())
                    .add(model.weight("final_logits_bias"));
            float logitsDiff = Fixtures.maxAbsDiff(logits, out.logits());
            System.out.println("BART by hand: encoder output max abs diff " + encoderDiff + ", logits " + logitsDiff);
            assertTrue(encoderDiff < 1e-5, "encoder output differs by " + encoderDiff);
            assertTrue(logitsDiff < 1e-5, "logits differ by " + logitsDiff);
        }
    }

    /** shared[ids] * scale + table[position + 2]. */
    private static NDArray embed(Bart model, NDArray ids, double scale, String stack) {
        long batch = ids.getShape().get(0);
        long length = ids.getShape().get(1);
        NDArray tokens = model.weight("model.shared.weight").get(ids.flatten()).reshape(batch, length, 16).mul(scale);
        NDArray positions = model.weight(stack + "embed_positions.weight").get("2:" + (2 + length));
        return tokens.add(positions.expandDims(0));
    }

    private static NDArray layerNorm(NDArray x, Bart model, String module) {
        NDArray centered = x.sub(x.mean(new int[] {2}, true));
        NDArray variance = centered.square().mean(new int[] {2}, true);
        return centered.div(variance.add(1e-5).sqrt()).mul(model.weight(module + ".weight"))
                .add(model.weight(module + ".bias"));
    }

    private static NDArray linear(NDArray x, Bart model, String module) {
        return x.matMul(model.weight(module + ".weight").transpose()).add(model.weight(module + ".bias"));
    }

    private static NDArray feedForward(Bart model, String layer, NDArray x) {
        NDArray h = linear(x, model, layer + "fc1");
        NDArray gelu = h.mul(0.5).mul(h.div(Math.sqrt(2)).erf().add(1));
        return linear(gelu, model, layer + "fc2");
    }

    /**
     * Multi-head attention head by head: queries from {@code x}, keys and values from {@code memory}, a prefix in
     * front, {@code allowed} [B, Tq, Tk] with 1 where a query may look; softmax written out.
     */
    private static NDArray attention(Bart model, String module, NDArray x, NDArray memory, int heads,
                                     NDArray allowed, Prefix prefix) {
        NDArray q = linear(x, model, module + "q_proj");
        NDArray k = linear(memory, model, module + "k_proj");
        NDArray v = linear(memory, model, module + "v_proj");
        long batch = x.getShape().get(0);
        long queries = x.getShape().get(1);
        int headDim = 16 / heads;
        long p = prefix.length();
        NDArray prefixAllowed = (prefix.mask() == null ? x.getManager().ones(new Shape(1, p)) : prefix.mask())
                .toType(DataType.FLOAT32, false).reshape(-1, 1, p).broadcast(batch, queries, p);
        NDArray allAllowed = prefixAllowed.concat(allowed.broadcast(batch, queries, allowed.getShape().get(2)), 2);
        List<NDArray> outputs = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            String cols = ":, :, " + (h * headDim) + ":" + ((h + 1) * headDim);
            NDArray keys = prefix.key().get(":, " + h).broadcast(batch, p, headDim).concat(k.get(cols), 1);
            NDArray values = prefix.value().get(":, " + h).broadcast(batch, p, headDim).concat(v.get(cols), 1);
            NDArray scores = q.get(cols).matMul(keys.transpose(0, 2, 1)).div(Math.sqrt(headDim));
            scores = scores.add(allAllowed.sub(1).mul(1e9));
            NDArray exp = scores.sub(scores.max(new int[] {2}, true)).exp();
            NDArray probabilities = exp.div(exp.sum(new int[] {2}, true));
            outputs.add(probabilities.matMul(values));
        }
        return linear(NDArrays.concat(new NDList(outputs), 2), model, module + "out_proj");
    }

    @Test
    void inputsEmbedsEqualScaledTokenEmbeddings() {
        BartConfig scaled = TINY.withScaleEmbedding(true);
        try (NDManager manager = root.newSubManager(); Bart model = randomized(scaled, manager, 9)) {
            NDArray source = ids(manager, 2, 6, 26);
            NDArray target = ids(manager, 2, 3, 27);
            NDArray shared = model.weight("model.shared.weight");
            double scale = Math.sqrt(16);
            NDArray sourceEmbeds = shared.get(source.flatten()).reshape(2, 6, 16).mul(scale);
            NDArray targetEmbeds = shared.get(target.flatten()).reshape(2, 3, 16).mul(scale);
            NDArray fromIds = model.forward(ForwardInput.ofIds(source).withDecoder(DecoderInput.ofIds(target)))
                    .logits();
            NDArray fromEmbeds = model.forward(ForwardInput.ofEmbeds(sourceEmbeds)
                    .withDecoder(DecoderInput.ofEmbeds(targetEmbeds))).logits();
            assertTrue(Fixtures.maxAbsDiff(fromIds, fromEmbeds) < 1e-6);
            // inputsEmbeds are taken as given (not scaled again)
            NDArray unscaled = model.forward(ForwardInput.ofEmbeds(sourceEmbeds.div(scale))
                    .withDecoder(DecoderInput.ofEmbeds(targetEmbeds))).logits();
            assertTrue(Fixtures.maxAbsDiff(fromIds, unscaled) > 1e-3);
        }
    }

    @Test
    void defaultDecoderInputIsTheSourceShiftedRight() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 10)) {
            long[][] source = {{5, 6, 7, 8}, {9, 10, 11, 12}};
            long[][] shifted = {{2, 5, 6, 7}, {2, 9, 10, 11}};
            NDArray byDefault = model.forward(ForwardInput.ofIds(manager.create(source))).logits();
            NDArray explicit = model.forward(ForwardInput.ofIds(manager.create(source))
                    .withDecoder(DecoderInput.ofIds(manager.create(shifted)))).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(byDefault, explicit));
            assertEquals(new Shape(2, 4, 61), byDefault.getShape());
        }
    }

    @Test
    void shiftRightReplacesIgnoredLabelsByPadding() {
        try (NDManager manager = root.newSubManager(); Bart model = Bart.random(TINY, manager, 19)) {
            NDArray labels = manager.create(new long[][] {{5, 6, 7, -100}, {8, -100, -100, -100}});
            long[] shifted = model.shiftRight(labels).toLongArray();
            assertEquals(List.of(2L, 5L, 6L, 7L, 2L, 8L, 1L, 1L), java.util.Arrays.stream(shifted).boxed().toList());
        }
    }

    /** Training a prefix of each kind: gradients reach the three prefixes and none of the frozen weights. */
    @Test
    void gradientsReachEveryPrefixKind() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 20)) {
            List<NDArray> parameters = new ArrayList<>();
            LayerPrefixes[] kinds = {encoderPrefixes(manager, TINY, 1, 2, 47), decoderPrefixes(manager, TINY, 1, 2, 48),
                decoderPrefixes(manager, TINY, 1, 2, 49)};
            for (LayerPrefixes kind : kinds) {
                for (int layer = 0; layer < kind.numLayers(); layer++) {
                    kind.get(layer).key().setRequiresGradient(true);
                    kind.get(layer).value().setRequiresGradient(true);
                    parameters.add(kind.get(layer).key());
                    parameters.add(kind.get(layer).value());
                }
            }
            try (NDManager step = manager.newSubManager();
                 ai.djl.training.GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray logits = model.forward(ForwardInput.ofIds(ids(step, 2, 5, 50)).withPrefixes(kinds[0])
                        .withDecoder(DecoderInput.ofIds(ids(step, 2, 4, 51)).withPrefixes(kinds[1])
                                .withCrossPrefixes(kinds[2]))).logits();
                collector.backward(logits.square().mean());
            }
            for (NDArray parameter : parameters) {
                assertTrue(parameter.getGradient().abs().sum().getFloat() > 0);
            }
            model.weights().asMap().forEach((name, array) -> assertFalse(array.hasGradient(), name));
        }
    }

    @Test
    void encodeOnceThenDecodeEqualsFullForward() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 11)) {
            NDArray source = ids(manager, 2, 6, 28);
            NDArray mask = manager.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}});
            NDArray target = ids(manager, 2, 3, 29);
            ForwardInput encoderInput = ForwardInput.ofIds(source).withAttentionMask(mask).withHiddenStates(true);
            ForwardOutput full = model.forward(encoderInput.withDecoder(DecoderInput.ofIds(target)));
            ForwardOutput encoded = model.encode(encoderInput);
            assertNotNull(full.encoderLastHiddenState());
            assertEquals(0f, Fixtures.maxAbsDiff(full.encoderLastHiddenState(), encoded.lastHiddenState()));
            assertEquals(3, encoded.hiddenStates().size());
            assertEquals(3, full.encoderHiddenStates().size());
            assertEquals(4, full.hiddenStates().size());
            assertEquals(full.hiddenStates().get(3), full.lastHiddenState());
            NDArray decoded = model.forward(ForwardInput.ofEncoderOutput(encoded.lastHiddenState())
                    .withAttentionMask(mask).withDecoder(DecoderInput.ofIds(target))).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(full.logits(), decoded));
        }
    }

    @Test
    void hooksRunAtEveryPointOfBothStacks() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 12)) {
            NDArray source = ids(manager, 2, 5, 30);
            NDArray target = ids(manager, 2, 3, 31);
            ForwardOutput plain = model.forward(ForwardInput.ofIds(source).withDecoder(DecoderInput.ofIds(target)));
            AtomicInteger encoderCalls = new AtomicInteger();
            AtomicInteger decoderCalls = new AtomicInteger();
            ForwardOutput hooked = model.forward(ForwardInput.ofIds(source).withHooks(counting(encoderCalls))
                    .withDecoder(DecoderInput.ofIds(target).withHooks(Hooks.chain(counting(decoderCalls),
                            Hooks.NONE))));
            assertEquals(1 + 2 * 3, encoderCalls.get());
            assertEquals(1 + 4 * 3, decoderCalls.get()); // decoder layers also call afterCrossAttention
            assertEquals(0f, Fixtures.maxAbsDiff(plain.logits(), hooked.logits()));
            Hooks doubleCross = new Hooks() {
                @Override
                public NDArray afterCrossAttention(int layer, NDArray out) {
                    return out.mul(2);
                }
            };
            NDArray changed = model.forward(ForwardInput.ofIds(source)
                    .withDecoder(DecoderInput.ofIds(target).withHooks(doubleCross))).logits();
            assertTrue(Fixtures.maxAbsDiff(plain.logits(), changed) > 1e-3);
            // the encoder's hooks see the encoder only: doubling there changes the encoder output
            Hooks doubleFeedForward = new Hooks() {
                @Override
                public NDArray afterFeedForward(int layer, NDArray out) {
                    return out.mul(2);
                }
            };
            ForwardOutput encoderChanged = model.forward(ForwardInput.ofIds(source).withHooks(doubleFeedForward)
                    .withDecoder(DecoderInput.ofIds(target)));
            assertTrue(Fixtures.maxAbsDiff(plain.encoderLastHiddenState(), encoderChanged.encoderLastHiddenState())
                    > 1e-3);
        }
    }

    private static Hooks counting(AtomicInteger calls) {
        return new Hooks() {
            @Override
            public NDArray afterEmbeddings(NDArray hidden) {
                calls.incrementAndGet();
                return hidden;
            }

            @Override
            public NDArray beforeLayer(int layer, NDArray hidden) {
                calls.incrementAndGet();
                return hidden.add(0);
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

            @Override
            public NDArray afterCrossAttention(int layer, NDArray out) {
                calls.incrementAndGet();
                return out;
            }
        };
    }

    @Test
    void dropoutOnlyWhenTrainingAndRepeatableWithASeed() {
        try (NDManager manager = root.newSubManager();
             Bart model = randomized(TINY.withDropout(0.2), manager, 13)) {
            ForwardInput input = ForwardInput.ofIds(ids(manager, 2, 5, 32))
                    .withDecoder(DecoderInput.ofIds(ids(manager, 2, 4, 33)));
            NDArray eval1 = model.forward(input).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(eval1, model.forward(input).logits()));
            Engine engine = manager.getEngine();
            engine.setRandomSeed(42);
            NDArray train1 = model.forward(input.withTraining(true)).logits();
            NDArray train2 = model.forward(input.withTraining(true)).logits();
            engine.setRandomSeed(42);
            assertEquals(0f, Fixtures.maxAbsDiff(train1, model.forward(input.withTraining(true)).logits()));
            assertTrue(Fixtures.maxAbsDiff(train1, train2) > 1e-4);
            assertTrue(Fixtures.maxAbsDiff(train1, eval1) > 1e-4);
        }
    }

    @Test
    void forwardLeavesNoArraysBehind() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 14)) {
            NDArray encoderOutput = model.encode(ForwardInput.ofIds(ids(manager, 2, 5, 34))).lastHiddenState();
            LayerPrefixes cross = decoderPrefixes(manager, TINY, 1, 2, 35);
            int weightsBefore = model.weights().manager().getManagedArrays().size();
            try (NDManager step = manager.newSubManager(); KvCache cache = model.newCache(manager)) {
                NDArray stepIds = ids(step, 2, 1, 36);
                int before = step.getManagedArrays().size();
                ForwardOutput out = model.forward(ForwardInput.ofEncoderOutput(encoderOutput)
                        .withDecoder(DecoderInput.ofIds(stepIds).withCrossPrefixes(cross)).withCache(cache)
                        .withHiddenStates(true));
                // the step's manager gains the logits, the decoder's hidden states and the encoder-output view
                assertEquals(before + 1 + out.hiddenStates().size() + 1, step.getManagedArrays().size());
                assertEquals(weightsBefore, model.weights().manager().getManagedArrays().size());
                assertTrue(cache.hasCrossAttention());
            }
        }
    }

    @Test
    void rejectsMismatchedInputs() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 15)) {
            NDArray source = ids(manager, 2, 5, 37);
            NDArray target = ids(manager, 2, 3, 38);
            ForwardInput base = ForwardInput.ofIds(source);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.forward(
                    base.withAttentionMask(manager.ones(new Shape(2, 4))).withDecoder(DecoderInput.ofIds(target))));
            assertTrue(e.getMessage().contains("attentionMask"), e.getMessage());
            // encoder-shaped (4 heads) prefixes given to the decoder (2 heads)
            LayerPrefixes wrongHeads = prefixes(manager, 3, 4, 4, 1, 2, false, 39);
            e = assertThrows(IllegalArgumentException.class, () -> model.forward(
                    base.withDecoder(DecoderInput.ofIds(target).withCrossPrefixes(wrongHeads))));
            assertTrue(e.getMessage().contains("prefix"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> model.forward(
                    base.withDecoder(DecoderInput.ofIds(target).withPrefixes(LayerPrefixes.none(2)))));
            assertTrue(e.getMessage().contains("decoder"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> model.forward(
                    base.withDecoder(DecoderInput.ofIds(ids(manager, 1, 3, 1)))));
            assertThrows(IllegalArgumentException.class, () -> model.forward(base.withTokenTypeIds(source)));
            assertThrows(IllegalArgumentException.class, () -> model.forward(ForwardInput.ofIds(ids(manager, 1, 30,
                    2))));
            NDArray encoderOutput = manager.zeros(new Shape(2, 5, 16));
            e = assertThrows(IllegalArgumentException.class, () -> model.forward(ForwardInput.ofEncoderOutput(
                    encoderOutput)));
            assertTrue(e.getMessage().contains("decoder input"), e.getMessage());
            // encoder prefixes shaped the encoder output already: with an encoderOutput they are not applied again
            NDArray withPrefixes = model.forward(ForwardInput.ofEncoderOutput(encoderOutput)
                    .withPrefixes(encoderPrefixes(manager, TINY, 1, 1, 1)).withDecoder(DecoderInput.ofIds(target)))
                    .logits();
            NDArray without = model.forward(ForwardInput.ofEncoderOutput(encoderOutput)
                    .withDecoder(DecoderInput.ofIds(target))).logits();
            assertEquals(0f, Fixtures.maxAbsDiff(withPrefixes, without));
            // other backbones refuse encoder-decoder inputs
            try (Gpt2 gpt2 = Gpt2.random(Gpt2Config.of(61, 16, 16, 1, 2), manager, 1)) {
                assertThrows(IllegalArgumentException.class, () -> gpt2.forward(
                        base.withDecoder(DecoderInput.ofIds(target))));
            }
        }
    }

    @Test
    void cacheReorderFollowsRowsInBothAttentions() {
        try (NDManager manager = root.newSubManager(); Bart model = randomized(TINY, manager, 16)) {
            NDArray source = ids(manager, 2, 5, 40);
            NDArray target = ids(manager, 2, 4, 41);
            NDArray encoderOutput = model.encode(ForwardInput.ofIds(source)).lastHiddenState();
            try (KvCache cache = model.newCache(manager)) {
                model.forward(ForwardInput.ofEncoderOutput(encoderOutput)
                        .withDecoder(DecoderInput.ofIds(target.get(":, 0:3"))).withCache(cache));
                NDArray rows = manager.create(new long[] {1, 1});
                cache.reorder(rows);
                NDArray next = model.forward(ForwardInput.ofEncoderOutput(encoderOutput.get(rows))
                        .withDecoder(DecoderInput.ofIds(target.get("1:2, 3:4").repeat(0, 2))).withCache(cache))
                        .logits();
                NDArray full = model.forward(ForwardInput.ofIds(source.get("1:2"))
                        .withDecoder(DecoderInput.ofIds(target.get("1:2")))).logits().get(":, 3:4");
                assertTrue(Fixtures.maxAbsDiff(next.get("0:1"), full) < 1e-5);
                assertTrue(Fixtures.maxAbsDiff(next.get("1:2"), full) < 1e-5);
                assertEquals(2, cache.crossKey(0).getShape().get(0));
                // a cache holding other sources' cross-attention refuses a differently shaped encoder output
                assertThrows(IllegalArgumentException.class, () -> model.forward(
                        ForwardInput.ofEncoderOutput(manager.zeros(new Shape(2, 7, 16)))
                                .withDecoder(DecoderInput.ofIds(target.get(":, 0:1"))).withCache(cache)));
            }
        }
    }

    @Test
    void randomInitFollowsHuggingFace() {
        try (NDManager manager = root.newSubManager(); Bart model = Bart.random(TINY, manager, 17)) {
            assertEquals(0f, model.weight("model.shared.weight").get(TINY.padTokenId()).abs().max().getFloat());
            assertEquals(0f, model.weight("final_logits_bias").abs().max().getFloat());
            assertEquals(1f, model.weight("model.decoder.layers.2.encoder_attn_layer_norm.weight").min().getFloat());
            assertEquals(0f, model.weight("model.encoder.layers.0.fc1.bias").abs().max().getFloat());
            float std = model.weight("model.encoder.layers.0.fc1.weight").pow(2).mean().sqrt().getFloat();
            assertTrue(Math.abs(std - 0.02) < 0.003, "fc1 std " + std);
            assertEquals(new Shape(26, 16), model.weight("model.decoder.embed_positions.weight").getShape());
            assertTrue(model.embeddings().test("model.encoder.layernorm_embedding.weight"));
            assertTrue(model.taskHead().test("final_logits_bias"));
            assertTrue(model.decoder().test(model.decoderLayerPrefix(2) + "fc1.weight"));
            assertTrue(model.topLayers(1).test("model.encoder.layers.1.fc2.bias"));
            assertNotSame(model.weight("model.shared.weight"), model.weight("model.encoder.embed_positions.weight"));
        }
    }

    /**
     * An independent forward pass in plain PyTorch (not transformers), reading the same safetensors with a
     * hand-written reader; runs when Debian's python3-torch is installed and is skipped otherwise.
     */
    @Test
    void matchesPlainPytorchReference(@TempDir Path dir) throws Exception {
        Path script = Path.of("src/test/python/bart_reference.py").toAbsolutePath();
        assumeTrue(Files.isRegularFile(script), script + " is missing");
        assumeTrue(pythonHasTorch(), "/usr/bin/python3 with torch (Debian's python3-torch) is not installed");
        BartConfig config = TINY.withScaleEmbedding(true);
        try (NDManager manager = root.newSubManager(); Bart model = randomized(config, manager, 18)) {
            Map<String, NDArray> inputs = new LinkedHashMap<>();
            inputs.put("input_ids", ids(manager, 2, 6, 42));
            inputs.put("attention_mask", manager.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}}));
            inputs.put("decoder_input_ids", ids(manager, 2, 5, 43));
            inputs.put("decoder_attention_mask", manager.create(new long[][] {{1, 1, 1, 1, 1}, {1, 1, 0, 1, 1}}));
            LayerPrefixes encoder = encoderPrefixes(manager, config, 2, 3, 44);
            LayerPrefixes decoder = decoderPrefixes(manager, config, 1, 2, 45);
            LayerPrefixes cross = prefixes(manager, 3, 2, 8, 2, 2, true, 46);
            putPrefixes(inputs, "encoder_prefix", encoder);
            putPrefixes(inputs, "decoder_prefix", decoder);
            putPrefixes(inputs, "cross_prefix", cross);
            Path checkpoint = dir.resolve("model");
            model.save(checkpoint);
            Safetensors.write(dir.resolve("inputs.safetensors"), inputs, Map.of());
            Path output = dir.resolve("reference.safetensors");
            Process process = new ProcessBuilder("/usr/bin/python3", script.toString(), checkpoint.toString(),
                    dir.resolve("inputs.safetensors").toString(), output.toString()).redirectErrorStream(true)
                    .start();
            String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(300, TimeUnit.SECONDS), "the reference script did not finish");
            assertEquals(0, process.exitValue(), log);
            assumeTrue(Files.isRegularFile(output), "no reference output");
            Map<String, NDArray> reference = Safetensors.readAll(output, manager);
            ForwardOutput out = model.forward(ForwardInput.ofIds(inputs.get("input_ids"))
                    .withAttentionMask(inputs.get("attention_mask")).withPrefixes(encoder)
                    .withDecoder(DecoderInput.ofIds(inputs.get("decoder_input_ids"))
                            .withAttentionMask(inputs.get("decoder_attention_mask")).withPrefixes(decoder)
                            .withCrossPrefixes(cross)));
            float encoderDiff = Fixtures.maxAbsDiff(reference.get("encoder_last_hidden_state"),
                    out.encoderLastHiddenState());
            float logitsDiff = Fixtures.maxAbsDiff(reference.get("logits"), out.logits());
            System.out.println("BART vs plain PyTorch: encoder output max abs diff " + encoderDiff + ", logits "
                    + logitsDiff);
            assertTrue(encoderDiff < 1e-4, "encoder output differs by " + encoderDiff);
            assertTrue(logitsDiff < 1e-4, "logits differ by " + logitsDiff);
        }
    }

    private static void putPrefixes(Map<String, NDArray> inputs, String name, LayerPrefixes prefixes) {
        for (int layer = 0; layer < prefixes.numLayers(); layer++) {
            Prefix p = prefixes.get(layer);
            inputs.put(name + "." + layer + ".key", p.key());
            inputs.put(name + "." + layer + ".value", p.value());
            if (p.mask() != null) {
                inputs.put(name + "." + layer + ".mask", p.mask());
            }
        }
    }

    private static boolean pythonHasTorch() {
        try {
            Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import torch, numpy")
                    .redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }
}
