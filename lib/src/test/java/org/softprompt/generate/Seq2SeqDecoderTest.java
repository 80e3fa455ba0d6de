package org.softprompt.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Activation;
import org.softprompt.backbone.Bart;
import org.softprompt.backbone.BartConfig;
import org.softprompt.backbone.DecoderInput;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.Prefix;

/**
 * Decoding a tiny random BART: cached equals uncached with every kind of prefix, one beam equals greedy, a padded
 * batch decodes each source as if alone, and greedy tokens are the argmax of whole forward passes.
 */
class Seq2SeqDecoderTest {
    private static final int EOS = 2;
    private static final int PAD = 1;
    private static final int DECODER_START = 2;
    /** Different encoder and decoder depths, so a prefix set given to the wrong stack is caught. */
    private static final int ENCODER_LAYERS = 2;
    private static final int DECODER_LAYERS = 3;
    private static final int HEADS = 4;
    private static final int HIDDEN = 48;
    private static final long[][] SOURCES = {{5, 17, 200, 33, 90}, {99}, {150, 3, 42}};

    private static NDManager manager;
    private static Bart bart;

    @BeforeAll
    static void build() {
        // No dropout, an untied LM head and init range 0.1 (BART's is 0.02). Measured on this config: 0.02 gives
        // near-uniform next-token scores (close calls), a tied head or a range of 0.3 and more repeats one token;
        // 0.1 untied gives varied, clearly ranked continuations.
        BartConfig config = new BartConfig(311, 64, HIDDEN, ENCODER_LAYERS, DECODER_LAYERS, HEADS, HEADS, 96, 96,
                Activation.GELU, 0, 0, 0, 0, 0, 0.1, false, PAD, 0, EOS, DECODER_START, false, null);
        manager = Engines.newManager();
        bart = Bart.random(config, manager, 11);
    }

    @AfterAll
    static void close() {
        if (bart != null) {
            bart.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    /** The three prefix sets of Prefix-Tuning's encoder-decoder form; any may be null. */
    private record Prefixes(LayerPrefixes encoder, LayerPrefixes decoder, LayerPrefixes cross) {
        static final Prefixes NONE = new Prefixes(null, null, null);
    }

    private List<Generator.Generation> decode(long[][] sources, GenerationConfig config, boolean cached,
            Prefixes prefixes, boolean leftPad, boolean forceBeamPath) {
        int length = Arrays.stream(sources).mapToInt(s -> s.length).max().orElseThrow();
        long[] ids = new long[sources.length * length];
        long[] mask = new long[sources.length * length];
        Arrays.fill(ids, PAD);
        for (int b = 0; b < sources.length; b++) {
            int start = leftPad ? length - sources[b].length : 0;
            for (int i = 0; i < sources[b].length; i++) {
                ids[b * length + start + i] = sources[b][i];
                mask[b * length + start + i] = 1;
            }
        }
        try (NDManager step = manager.newSubManager();
                Seq2SeqDecoder decoder = new Seq2SeqDecoder(bart, step, prefixes.encoder(), prefixes.decoder(),
                        prefixes.cross(), cached)) {
            NDArray idArray = step.create(ids, new Shape(sources.length, length));
            NDArray maskArray = step.create(mask, new Shape(sources.length, length));
            return forceBeamPath ? Generator.beamSearch(decoder, idArray, maskArray, config)
                    : Generator.generate(decoder, idArray, maskArray, config);
        }
    }

    private static LayerPrefixes randomPrefixes(NDManager m, int layers, int batch, int length, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        Shape shape = new Shape(batch, HEADS, length, HIDDEN / HEADS);
        List<Prefix> perLayer = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            perLayer.add(Prefix.of(m.randomNormal(0, 1, shape, DataType.FLOAT32),
                    m.randomNormal(0, 1, shape, DataType.FLOAT32)));
        }
        return LayerPrefixes.of(perLayer);
    }

    private static void assertSameTokens(List<Generator.Generation> a, List<Generator.Generation> b, String what) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).tokens(), b.get(i).tokens(), what + ", source " + i + ": " + a + " vs " + b);
        }
    }

    private static boolean differ(List<Generator.Generation> a, List<Generator.Generation> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i).tokens(), b.get(i).tokens())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void cachedAndUncachedDecodingGiveIdenticalTokens() {
        try (NDManager m = manager.newSubManager()) {
            int rows = SOURCES.length;
            List<String> names = List.of("no prefix", "shared encoder prefix", "per-source encoder prefix",
                    "shared decoder prefix", "per-source decoder prefix", "shared cross prefix",
                    "per-source cross prefix", "all three, mixed");
            List<Prefixes> kinds = List.of(Prefixes.NONE,
                    new Prefixes(randomPrefixes(m, ENCODER_LAYERS, 1, 4, 1), null, null),
                    new Prefixes(randomPrefixes(m, ENCODER_LAYERS, rows, 4, 2), null, null),
                    new Prefixes(null, randomPrefixes(m, DECODER_LAYERS, 1, 3, 3), null),
                    new Prefixes(null, randomPrefixes(m, DECODER_LAYERS, rows, 3, 4), null),
                    new Prefixes(null, null, randomPrefixes(m, DECODER_LAYERS, 1, 5, 5)),
                    new Prefixes(null, null, randomPrefixes(m, DECODER_LAYERS, rows, 5, 6)),
                    new Prefixes(randomPrefixes(m, ENCODER_LAYERS, rows, 4, 7), randomPrefixes(m, DECODER_LAYERS, 1,
                            3, 8), randomPrefixes(m, DECODER_LAYERS, rows, 2, 9)));
            for (int beams : new int[] {1, 3}) {
                GenerationConfig config = GenerationConfig.greedy(16, EOS).beams(beams);
                List<Generator.Generation> plain = null;
                for (int k = 0; k < kinds.size(); k++) {
                    List<Generator.Generation> cached = decode(SOURCES, config, true, kinds.get(k), false, false);
                    assertSameTokens(cached, decode(SOURCES, config, false, kinds.get(k), false, false),
                            names.get(k) + ", beams " + beams);
                    if (k == 0) {
                        plain = cached;
                        long distinct = Arrays.stream(cached.get(0).tokens()).distinct().count();
                        assertTrue(distinct > 3, "expected varied tokens, got " + cached.get(0));
                    } else {
                        // Each prefix kind really changes the output, so the equality above covers its path.
                        assertTrue(differ(plain, cached), names.get(k) + " changes nothing: " + cached);
                    }
                }
            }
        }
    }

    @Test
    void oneBeamEqualsGreedy() {
        try (NDManager m = manager.newSubManager()) {
            Prefixes prefixes = new Prefixes(randomPrefixes(m, ENCODER_LAYERS, SOURCES.length, 4, 21),
                    randomPrefixes(m, DECODER_LAYERS, SOURCES.length, 3, 22),
                    randomPrefixes(m, DECODER_LAYERS, SOURCES.length, 2, 23));
            GenerationConfig greedy = GenerationConfig.greedy(16, EOS);
            for (Prefixes p : List.of(Prefixes.NONE, prefixes)) {
                assertSameTokens(decode(SOURCES, greedy, true, p, false, false),
                        decode(SOURCES, greedy, true, p, false, true), "beam search with one beam");
            }
        }
    }

    @Test
    void aPaddedBatchDecodesEachSourceAsIfAlone() {
        try (NDManager m = manager.newSubManager()) {
            // Per-source prefixes: row i of the batch's prefix is source i's prefix when decoded alone.
            LayerPrefixes cross = randomPrefixes(m, DECODER_LAYERS, SOURCES.length, 3, 31);
            for (int beams : new int[] {1, 4}) {
                GenerationConfig config = GenerationConfig.greedy(12, EOS).beams(beams);
                for (boolean leftPad : new boolean[] {false, true}) {
                    List<Generator.Generation> together = decode(SOURCES, config, true,
                            new Prefixes(null, null, cross), leftPad, false);
                    for (int i = 0; i < SOURCES.length; i++) {
                        Prefixes own = new Prefixes(null, null, rowOf(cross, i));
                        Generator.Generation alone = decode(new long[][] {SOURCES[i]}, config, true, own, false,
                                false).get(0);
                        assertArrayEquals(alone.tokens(), together.get(i).tokens(),
                                "beams " + beams + (leftPad ? ", left" : ", right") + "-padded, source " + i);
                        assertEquals(alone.logProbability(), together.get(i).logProbability(), 1e-4);
                    }
                }
            }
        }
    }

    private static LayerPrefixes rowOf(LayerPrefixes prefixes, int row) {
        List<Prefix> perLayer = new ArrayList<>();
        for (int layer = 0; layer < prefixes.numLayers(); layer++) {
            Prefix p = prefixes.get(layer);
            perLayer.add(Prefix.of(p.key().get(row + ":" + (row + 1)), p.value().get(row + ":" + (row + 1))));
        }
        return LayerPrefixes.of(perLayer);
    }

    @Test
    void greedyTokensAreTheArgmaxOfWholeForwardPasses() {
        // Independent of the decoder's bookkeeping: run encoder and decoder over the whole sequence each time.
        try (NDManager m = manager.newSubManager()) {
            Prefixes prefixes = new Prefixes(randomPrefixes(m, ENCODER_LAYERS, 1, 4, 41),
                    randomPrefixes(m, DECODER_LAYERS, 1, 3, 42), randomPrefixes(m, DECODER_LAYERS, 1, 2, 43));
            for (Prefixes p : List.of(Prefixes.NONE, prefixes)) {
                long[] source = SOURCES[0];
                int[] generated = decode(new long[][] {source}, GenerationConfig.greedy(8, EOS), true, p, false,
                        false).get(0).tokens();
                assertEquals(8, generated.length, "no EOS expected within 8 tokens here: " + generated.length);
                long[] target = {DECODER_START};
                NDArray sourceIds = m.create(source, new Shape(1, source.length));
                for (int token : generated) {
                    NDArray logits = bart.forward(ForwardInput.ofIds(sourceIds).withPrefixes(p.encoder())
                            .withDecoder(DecoderInput.ofIds(m.create(target, new Shape(1, target.length)))
                                    .withPrefixes(p.decoder()).withCrossPrefixes(p.cross()))).logits();
                    assertEquals(logits.get("0, -1, :").argMax().getLong(), token);
                    target = Arrays.copyOf(target, target.length + 1);
                    target[target.length - 1] = token;
                }
            }
        }
    }

    @Test
    void startReturnsTheLogProbabilitiesAfterTheDecoderStartToken() {
        try (NDManager m = manager.newSubManager();
                Seq2SeqDecoder decoder = Seq2SeqDecoder.of(bart, m)) {
            long[] source = SOURCES[2];
            NDArray ids = m.create(source, new Shape(1, source.length));
            NDArray fromDecoder = decoder.start(ids, ids.onesLike());
            NDArray expected = bart.forward(ForwardInput.ofIds(ids).withDecoder(
                    DecoderInput.ofIds(m.create(new long[] {DECODER_START}, new Shape(1, 1))))).logits()
                    .get("0, :, :").logSoftmax(1);
            assertEquals(new Shape(1, 311), fromDecoder.getShape());
            assertTrue(fromDecoder.allClose(expected, 1e-5, 1e-5, false), "start() differs from a forward pass");
        }
    }

    @Test
    void aDecoderStartsAfreshOnItsOriginalPrefixes() {
        // Beam search reorders the per-source prefixes; a second start must use the caller's rows again.
        try (NDManager m = manager.newSubManager()) {
            int rows = SOURCES.length;
            LayerPrefixes decoderPrefixes = randomPrefixes(m, DECODER_LAYERS, rows, 3, 61);
            LayerPrefixes crossPrefixes = randomPrefixes(m, DECODER_LAYERS, rows, 2, 62);
            GenerationConfig config = GenerationConfig.greedy(10, EOS).beams(3);
            List<Generator.Generation> expected = decode(SOURCES, config, true,
                    new Prefixes(null, decoderPrefixes, crossPrefixes), true, false);
            try (Seq2SeqDecoder decoder = new Seq2SeqDecoder(bart, m, null, decoderPrefixes, crossPrefixes, true)) {
                int length = SOURCES[0].length;
                long[] ids = new long[rows * length];
                long[] mask = new long[rows * length];
                Arrays.fill(ids, PAD);
                for (int b = 0; b < rows; b++) {
                    for (int i = 0; i < SOURCES[b].length; i++) {
                        ids[b * length + length - SOURCES[b].length + i] = SOURCES[b][i];
                        mask[b * length + length - SOURCES[b].length + i] = 1;
                    }
                }
                NDArray idArray = m.create(ids, new Shape(rows, length));
                NDArray maskArray = m.create(mask, new Shape(rows, length));
                for (int run = 0; run < 2; run++) {
                    assertSameTokens(expected, Generator.generate(decoder, idArray, maskArray, config), "run " + run);
                }
            }
            assertFalse(crossPrefixes.get(0).key().isReleased(), "the caller's prefixes must stay usable");
        }
    }

    @Test
    void prefixesForTheWrongStackAreRejected() {
        try (NDManager m = manager.newSubManager()) {
            LayerPrefixes encoderShaped = randomPrefixes(m, ENCODER_LAYERS, 1, 2, 51);
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> new Seq2SeqDecoder(bart, m, null, encoderShaped, null, true));
            assertTrue(error.getMessage().contains("decoder prefixes cover 2 layers"), error.getMessage());
            LayerPrefixes twoRows = randomPrefixes(m, DECODER_LAYERS, 2, 2, 52);
            try (Seq2SeqDecoder decoder = new Seq2SeqDecoder(bart, m, null, null, twoRows, true)) {
                NDArray ids = m.create(SOURCES[0], new Shape(1, SOURCES[0].length));
                error = assertThrows(IllegalArgumentException.class, () -> decoder.start(ids, ids.onesLike()));
                assertTrue(error.getMessage().contains("cross-attention prefix has a batch of 2"), error.getMessage());
            }
            assertFalse(encoderShaped.get(0).key().isReleased(), "the caller's prefixes must stay usable");
        }
    }
}
