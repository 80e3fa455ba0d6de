package org.softprompt.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.SharedFixtures;
import org.softprompt.backbone.Gpt2;
import org.softprompt.method.prefix.Prefix;
import org.softprompt.method.prefix.PrefixTuning;

/** Decoding by recomputation must give what the cached decoder gives, with and without a prefix. */
class RecomputingDecoderTest {
    private static NDManager manager;
    private static Gpt2 gpt2;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        gpt2 = Gpt2.load(SharedFixtures.hfFixture("tiny-gpt2"), manager);
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            gpt2.close();
            manager.close();
        }
    }

    /** Two prompts of different lengths, left-padded with id 0. */
    private static NDArray[] prompts(NDManager m) {
        long[] ids = {0, 0, 5, 17, 200, 33, 40, 41, 42, 43, 44, 45};
        long[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        return new NDArray[] {m.create(ids, new Shape(2, 6)), m.create(mask, new Shape(2, 6))};
    }

    private static List<int[]> tokens(List<Generator.Generation> generations) {
        return generations.stream().map(Generator.Generation::tokens).toList();
    }

    private static void assertSameTokens(List<int[]> expected, List<int[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "row " + i);
        }
    }

    @Test
    void frozenModelGreedyAndBeamEqualTheCachedDecoder() {
        for (GenerationConfig config : List.of(GenerationConfig.greedy(10, -1), GenerationConfig.greedy(10, -1)
                .beams(3))) {
            try (NDManager m = manager.newSubManager()) {
                NDArray[] p = prompts(m);
                List<Generator.Generation> cached;
                try (CausalLmDecoder decoder = CausalLmDecoder.of(gpt2, m)) {
                    cached = Generator.generate(decoder, p[0], p[1], config);
                }
                try (RecomputingDecoder decoder = new RecomputingDecoder(gpt2::forward, m)) {
                    List<Generator.Generation> recomputed = Generator.generate(decoder, p[0], p[1], config);
                    assertSameTokens(tokens(cached), tokens(recomputed));
                    for (int i = 0; i < cached.size(); i++) {
                        assertEquals(cached.get(i).logProbability(), recomputed.get(i).logProbability(), 1e-4);
                    }
                }
            }
        }
    }

    /** Through TunedModel::forward the prefix shifts the positions the decoder gives, as the cached path does. */
    @Test
    void prefixThroughTheTunedForwardEqualsTheCachedPrefixDecoder() {
        for (GenerationConfig config : List.of(GenerationConfig.greedy(10, -1), GenerationConfig.greedy(10, -1)
                .beams(3))) {
            try (NDManager m = manager.newSubManager();
                    PrefixTuning prefix = Prefix.on(gpt2).length(4).seed(7).build(m)) {
                NDArray[] p = prompts(m);
                List<Generator.Generation> cached;
                try (CausalLmDecoder decoder = new CausalLmDecoder(gpt2, m, prefix.layerPrefixes(m),
                        prefix.positionOffset(), true)) {
                    cached = Generator.generate(decoder, p[0], p[1], config);
                }
                List<Generator.Generation> frozen;
                try (CausalLmDecoder decoder = CausalLmDecoder.of(gpt2, m)) {
                    frozen = Generator.generate(decoder, p[0], p[1], config);
                }
                try (RecomputingDecoder decoder = new RecomputingDecoder(prefix::forward, m)) {
                    List<Generator.Generation> recomputed = Generator.generate(decoder, p[0], p[1], config);
                    assertSameTokens(tokens(cached), tokens(recomputed));
                    for (int i = 0; i < cached.size(); i++) {
                        assertEquals(cached.get(i).logProbability(), recomputed.get(i).logProbability(), 1e-4);
                    }
                }
                assertFalse(java.util.Arrays.equals(frozen.get(1).tokens(), cached.get(1).tokens())
                        && frozen.get(0).logProbability() == cached.get(0).logProbability(),
                        "the prefix should change the generation");
            }
        }
    }
}
