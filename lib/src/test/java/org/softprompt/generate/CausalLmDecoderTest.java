package org.softprompt.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Gpt2;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.Prefix;

/** Decoding the tiny GPT-2 written by transformers: cached equals uncached, with and without prefixes. */
class CausalLmDecoderTest {
    private static final int EOS = 7;
    private static NDManager manager;
    private static Gpt2 gpt2;

    @BeforeAll
    static void load() {
        Path dir = org.softprompt.SharedFixtures.hfFixture("tiny-gpt2");
        manager = Engines.newManager();
        gpt2 = Gpt2.load(dir, manager);
    }

    @AfterAll
    static void close() {
        if (gpt2 != null) {
            gpt2.close();
            manager.close();
        }
    }

    private static final long[][] PROMPTS = {{5, 17, 200, 33}, {99}, {150, 3, 42}};

    private List<Generator.Generation> decode(long[][] prompts, GenerationConfig config, boolean cached,
            LayerPrefixes prefixes, long offset, boolean forceBeamPath) {
        int length = Arrays.stream(prompts).mapToInt(p -> p.length).max().orElseThrow();
        long[] ids = new long[prompts.length * length];
        long[] mask = new long[prompts.length * length];
        for (int b = 0; b < prompts.length; b++) {
            int pad = length - prompts[b].length;
            for (int i = 0; i < prompts[b].length; i++) {
                ids[b * length + pad + i] = prompts[b][i];
                mask[b * length + pad + i] = 1;
            }
        }
        try (NDManager step = manager.newSubManager();
                CausalLmDecoder decoder = new CausalLmDecoder(gpt2, step, prefixes, offset, cached)) {
            NDArray idArray = step.create(ids, new Shape(prompts.length, length));
            NDArray maskArray = step.create(mask, new Shape(prompts.length, length));
            return forceBeamPath ? Generator.beamSearch(decoder, idArray, maskArray, config)
                    : Generator.generate(decoder, idArray, maskArray, config);
        }
    }

    private LayerPrefixes randomPrefixes(NDManager m, int batch, int length, long seed) {
        ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed);
        List<Prefix> layers = new ArrayList<>();
        for (int layer = 0; layer < gpt2.numLayers(); layer++) {
            Shape shape = new Shape(batch, gpt2.numHeads(), length, gpt2.headDim());
            layers.add(Prefix.of(m.randomNormal(0, 1, shape, ai.djl.ndarray.types.DataType.FLOAT32),
                    m.randomNormal(0, 1, shape, ai.djl.ndarray.types.DataType.FLOAT32)));
        }
        return LayerPrefixes.of(layers);
    }

    private static void assertSameTokens(List<Generator.Generation> a, List<Generator.Generation> b, String what) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).tokens(), b.get(i).tokens(), what + ", prompt " + i);
        }
    }

    @Test
    void cachedAndUncachedDecodingGiveIdenticalTokens() {
        GenerationConfig greedy = GenerationConfig.greedy(20, EOS);
        try (NDManager m = manager.newSubManager()) {
            LayerPrefixes shared = randomPrefixes(m, 1, 5, 1);
            LayerPrefixes perPrompt = randomPrefixes(m, PROMPTS.length, 5, 2);
            for (int beams : new int[] {1, 3}) {
                GenerationConfig config = greedy.beams(beams);
                assertSameTokens(decode(PROMPTS, config, true, null, 0, false),
                        decode(PROMPTS, config, false, null, 0, false), "no prefix, beams " + beams);
                assertSameTokens(decode(PROMPTS, config, true, shared, 5, false),
                        decode(PROMPTS, config, false, shared, 5, false), "shared prefix, beams " + beams);
                assertSameTokens(decode(PROMPTS, config, true, perPrompt, 5, false),
                        decode(PROMPTS, config, false, perPrompt, 5, false), "per-prompt prefix, beams " + beams);
            }
            // One prompt: its cached steps run on one intra-op thread (IntraOpThreads), with the prefix as it is.
            long[][] one = {PROMPTS[0]};
            assertSameTokens(decode(one, greedy, true, shared, 5, false), decode(one, greedy, false, shared, 5, false),
                    "one prompt, shared prefix");
            // The prefix really changes what is generated (otherwise the equalities above say little).
            List<Generator.Generation> plain = decode(PROMPTS, greedy, true, null, 0, false);
            List<Generator.Generation> prefixed = decode(PROMPTS, greedy, true, shared, 5, false);
            boolean changed = false;
            for (int i = 0; i < PROMPTS.length; i++) {
                changed |= !Arrays.equals(plain.get(i).tokens(), prefixed.get(i).tokens());
            }
            assertTrue(changed, "the prefix changes nothing: " + plain + " vs " + prefixed);
        }
    }

    @Test
    void cachedEqualsUncachedOnAModelWithVariedContinuations() {
        // The fixture's random GPT-2 mostly repeats its last token; untied, larger random weights do not.
        org.softprompt.backbone.Gpt2Config config = new org.softprompt.backbone.Gpt2Config(311, 64, 48, 3, 4, 192,
                org.softprompt.backbone.Activation.GELU_NEW, 0, 0, 0, 1e-5, 0.3, true, false, false, null);
        Gpt2 fixture = gpt2;
        try (NDManager m = manager.newSubManager(); Gpt2 varied = Gpt2.random(config, m, 3)) {
            gpt2 = varied;
            LayerPrefixes perPrompt = randomPrefixes(m, PROMPTS.length, 4, 5);
            for (int beams : new int[] {1, 3}) {
                GenerationConfig generation = GenerationConfig.greedy(24, EOS).beams(beams);
                List<Generator.Generation> cached = decode(PROMPTS, generation, true, perPrompt, 4, false);
                assertSameTokens(cached, decode(PROMPTS, generation, false, perPrompt, 4, false), "beams " + beams);
                long distinct = Arrays.stream(cached.get(0).tokens()).distinct().count();
                assertTrue(distinct > 3, "expected varied tokens, got " + cached.get(0));
            }
        } finally {
            gpt2 = fixture;
        }
    }

    @Test
    void oneBeamEqualsGreedyOnTheModel() {
        GenerationConfig greedy = GenerationConfig.greedy(20, EOS);
        assertSameTokens(decode(PROMPTS, greedy, true, null, 0, false),
                decode(PROMPTS, greedy, true, null, 0, true), "beam search with one beam");
    }

    @Test
    void aPaddedBatchDecodesEachPromptAsIfAlone() {
        for (int beams : new int[] {1, 4}) {
            GenerationConfig config = GenerationConfig.greedy(12, EOS).beams(beams);
            List<Generator.Generation> together = decode(PROMPTS, config, true, null, 0, false);
            for (int i = 0; i < PROMPTS.length; i++) {
                Generator.Generation alone = decode(new long[][] {PROMPTS[i]}, config, true, null, 0, false).get(0);
                assertArrayEquals(alone.tokens(), together.get(i).tokens(), "beams " + beams + ", prompt " + i);
            }
        }
    }

    @Test
    void greedyTokensAreTheArgmaxOfAFullForwardPass() {
        // Independent check of the decoder's bookkeeping: re-run the whole sequence and take the argmax by hand.
        long[] prompt = PROMPTS[0];
        int[] generated = decode(new long[][] {prompt}, GenerationConfig.greedy(6, EOS), true, null, 0, false)
                .get(0).tokens();
        long[] sequence = Arrays.copyOf(prompt, prompt.length);
        try (NDManager m = manager.newSubManager()) {
            for (int token : generated) {
                NDArray logits = gpt2.forward(org.softprompt.backbone.ForwardInput.ofIds(
                        m.create(sequence, new Shape(1, sequence.length)))).logits();
                long argmax = logits.get("0, -1, :").argMax().getLong();
                assertEquals(argmax, token);
                sequence = Arrays.copyOf(sequence, sequence.length + 1);
                sequence[sequence.length - 1] = token;
            }
        }
    }

    @Test
    void aDecoderUsedTwiceAfterBeamSearchStartsFromTheCallersPrefixes() {
        try (NDManager m = manager.newSubManager()) {
            LayerPrefixes perPrompt = randomPrefixes(m, PROMPTS.length, 3, 9);
            long[] ids = {5, 17, 200, 33, 0, 0, 0, 99, 0, 150, 3, 42}; // PROMPTS, left-padded
            long[] mask = {1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1};
            GenerationConfig config = GenerationConfig.greedy(10, EOS).beams(3);
            try (CausalLmDecoder decoder = new CausalLmDecoder(gpt2, m, perPrompt, 3, true)) {
                NDArray idArray = m.create(ids, new Shape(3, 4));
                NDArray maskArray = m.create(mask, new Shape(3, 4));
                List<Generator.Generation> first = Generator.generate(decoder, idArray, maskArray, config);
                List<Generator.Generation> second = Generator.generate(decoder, idArray, maskArray, config);
                assertSameTokens(first, second, "second use of one decoder");
                assertSameTokens(first, decode(PROMPTS, config, true, perPrompt, 3, false), "a fresh decoder");
            }
            // The caller's prefix arrays are still alive.
            assertEquals(PROMPTS.length, perPrompt.get(0).key().getShape().get(0));
            perPrompt.get(0).key().sum().getFloat();
        }
    }
}
