package org.softprompt.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;

class GeneratorTest {
    private static final int EOS = 0;
    private NDManager manager;

    @BeforeEach
    void start() {
        manager = Engines.newManager();
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    /** A first-order Markov chain as a language model: the next token depends on the last one only. */
    static final class MarkovDecoder implements Decoder {
        final float[][] logProbs;
        final NDManager manager;
        long[] last;

        MarkovDecoder(float[][] logProbs, NDManager manager) {
            this.logProbs = logProbs;
            this.manager = manager;
        }

        private NDArray rows() {
            float[] flat = new float[last.length * logProbs.length];
            for (int r = 0; r < last.length; r++) {
                System.arraycopy(logProbs[(int) last[r]], 0, flat, r * logProbs.length, logProbs.length);
            }
            return manager.create(flat, new Shape(last.length, logProbs.length));
        }

        @Override
        public NDArray start(NDArray promptIds, NDArray promptMask) {
            long[] ids = promptIds.toLongArray();
            int length = (int) promptIds.getShape().get(1);
            last = new long[(int) promptIds.getShape().get(0)];
            for (int r = 0; r < last.length; r++) {
                last[r] = ids[r * length + length - 1]; // left-padded: the last column is the last real token
            }
            return rows();
        }

        @Override
        public NDArray next(NDArray tokens) {
            last = tokens.toLongArray();
            return rows();
        }

        @Override
        public void select(NDArray indices) {
            long[] index = indices.toLongArray();
            long[] kept = new long[index.length];
            for (int i = 0; i < index.length; i++) {
                kept[i] = last[(int) index[i]];
            }
            last = kept;
        }
    }

    private static float[][] randomChain(int vocab, long seed, double eosBias) {
        Random random = new Random(seed);
        float[][] table = new float[vocab][vocab];
        for (int from = 0; from < vocab; from++) {
            double[] logits = new double[vocab];
            double max = Double.NEGATIVE_INFINITY;
            for (int to = 0; to < vocab; to++) {
                logits[to] = 2 * random.nextGaussian() + (to == EOS ? eosBias : 0);
                max = Math.max(max, logits[to]);
            }
            double sum = 0;
            for (double l : logits) {
                sum += Math.exp(l - max);
            }
            for (int to = 0; to < vocab; to++) {
                table[from][to] = (float) (logits[to] - max - Math.log(sum));
            }
        }
        return table;
    }

    private List<Generator.Generation> run(float[][] chain, long[][] prompts, GenerationConfig config) {
        return run(chain, prompts, config, false);
    }

    /** Decodes left-padded prompts; {@code forceBeamSearch} runs the beam code path even for one beam. */
    private List<Generator.Generation> run(float[][] chain, long[][] prompts, GenerationConfig config,
            boolean forceBeamSearch) {
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
        try (NDManager step = manager.newSubManager()) {
            NDArray idArray = step.create(ids, new Shape(prompts.length, length));
            NDArray maskArray = step.create(mask, new Shape(prompts.length, length));
            MarkovDecoder decoder = new MarkovDecoder(chain, step);
            return forceBeamSearch ? Generator.beamSearch(decoder, idArray, maskArray, config)
                    : Generator.generate(decoder, idArray, maskArray, config);
        }
    }

    /** Every sequence the search could return, scored as the search scores finished hypotheses. */
    private static double[] exhaustiveBest(float[][] chain, int start, GenerationConfig config, List<Integer> best) {
        double[] bestScore = {Double.NEGATIVE_INFINITY};
        explore(chain, start, config, new ArrayList<>(), 0, bestScore, best);
        return bestScore;
    }

    private static void explore(float[][] chain, int last, GenerationConfig config, List<Integer> prefix, double logP,
            double[] bestScore, List<Integer> best) {
        int t = prefix.size() + 1;
        for (int token = 0; token < chain.length; token++) {
            if (config.bannedTokenIds().contains(token) || (token == EOS && t <= config.minNewTokens())) {
                continue;
            }
            double next = logP + chain[last][token];
            List<Integer> extended = new ArrayList<>(prefix);
            if (token == EOS) {
                consider(next / Math.pow(t, config.lengthPenalty()), prefix, bestScore, best);
                continue;
            }
            extended.add(token);
            if (t == config.maxNewTokens()) {
                consider(next / Math.pow(t, config.lengthPenalty()), extended, bestScore, best);
            } else {
                explore(chain, token, config, extended, next, bestScore, best);
            }
        }
    }

    private static void consider(double score, List<Integer> tokens, double[] bestScore, List<Integer> best) {
        if (score > bestScore[0]) {
            bestScore[0] = score;
            best.clear();
            best.addAll(tokens);
        }
    }

    @Test
    void wideBeamSearchFindsTheExhaustiveOptimum() {
        for (double penalty : new double[] {0.0, 1.0, 2.0}) {
            for (long seed = 1; seed <= 6; seed++) {
                float[][] chain = randomChain(4, seed, 0.5);
                GenerationConfig config = GenerationConfig.greedy(3, EOS).beams(128).earlyStopping(false)
                        .lengthPenalty(penalty).minNewTokens(seed % 2 == 0 ? 1 : 0);
                List<Integer> expected = new ArrayList<>();
                exhaustiveBest(chain, 2, config, expected);
                Generator.Generation got = run(chain, new long[][] {{2}}, config).get(0);
                assertEquals(expected, Arrays.stream(got.tokens()).boxed().toList(),
                        "seed " + seed + " length penalty " + penalty);
            }
        }
    }

    @Test
    void oneBeamIsGreedy() {
        for (long seed = 1; seed <= 20; seed++) {
            float[][] chain = randomChain(7, seed, 0.0);
            long[][] prompts = {{3, 4}, {5}, {1, 2, 6}};
            GenerationConfig greedy = GenerationConfig.greedy(8, EOS);
            List<Generator.Generation> a = run(chain, prompts, greedy);
            List<Generator.Generation> b = run(chain, prompts, greedy, true);
            for (int i = 0; i < prompts.length; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens(), "seed " + seed + " prompt " + i);
                assertEquals(a.get(i).logProbability(), b.get(i).logProbability(), 1e-5);
                assertEquals(a.get(i).endedWithEos(), b.get(i).endedWithEos());
            }
        }
    }

    @Test
    void aBatchDecodesEachPromptAsIfAlone() {
        float[][] chain = randomChain(9, 5, -0.5);
        long[][] prompts = {{3, 4}, {5}, {1, 2, 6}, {8}};
        for (int beams : new int[] {1, 3}) {
            GenerationConfig config = GenerationConfig.greedy(6, EOS).beams(beams).lengthPenalty(0.7);
            List<Generator.Generation> together = run(chain, prompts, config);
            for (int i = 0; i < prompts.length; i++) {
                Generator.Generation alone = run(chain, new long[][] {prompts[i]}, config).get(0);
                assertArrayEquals(alone.tokens(), together.get(i).tokens(), "beams " + beams + " prompt " + i);
            }
        }
    }

    @Test
    void bansMinimumAndMaximumLengthAreRespected() {
        float[][] chain = randomChain(6, 9, 3.0); // EOS very likely: without a minimum, sequences end at once
        GenerationConfig config = GenerationConfig.greedy(5, EOS).ban(Set.of(2, 3)).minNewTokens(3);
        for (int beams : new int[] {1, 4}) {
            for (Generator.Generation g : run(chain, new long[][] {{1}, {4}, {5}}, config.beams(beams))) {
                assertTrue(g.tokens().length >= 3 && g.tokens().length <= 5, g.toString());
                assertFalse(Arrays.stream(g.tokens()).anyMatch(t -> t == 2 || t == 3), g.toString());
            }
        }
        for (Generator.Generation g : run(chain, new long[][] {{1}}, GenerationConfig.greedy(5, EOS))) {
            assertTrue(g.tokens().length < 3 && g.endedWithEos(), "without the minimum EOS comes early: " + g);
        }
    }

    @Test
    void beamSearchFindsWhatGreedyMisses() {
        // From 1: token 2 looks best (0.6) but always leads to a poor continuation; token 3 (0.4) leads to EOS surely.
        float[][] p = new float[5][5];
        for (float[] row : p) {
            Arrays.fill(row, 1e-6f);
        }
        p[1][2] = 0.6f;
        p[1][3] = 0.4f;
        p[2][1] = 0.25f; p[2][3] = 0.25f; p[2][4] = 0.25f; p[2][EOS] = 0.25f;
        p[3][EOS] = 1f;
        p[4][EOS] = 1f;
        float[][] chain = new float[5][5];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                chain[i][j] = (float) Math.log(p[i][j]);
            }
        }
        GenerationConfig config = GenerationConfig.greedy(4, EOS).lengthPenalty(0);
        assertArrayEquals(new int[] {2}, run(chain, new long[][] {{1}}, config).get(0).tokens()); // p = 0.15
        assertArrayEquals(new int[] {3}, run(chain, new long[][] {{1}}, config.beams(2)).get(0).tokens()); // p = 0.4
    }
}
