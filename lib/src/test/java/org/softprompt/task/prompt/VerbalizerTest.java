package org.softprompt.task.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.tokenize.Tokenizer;

class VerbalizerTest {
    private static Tokenizer bert;
    private static Tokenizer gpt2;
    private static NDManager manager;
    private static final Template SENTIMENT = Template.parse("{sentence} It was [MASK] .");

    @BeforeAll
    static void load() throws Exception {
        bert = RealTokenizers.bertCased();
        gpt2 = RealTokenizers.gpt2();
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            manager.close();
        }
        if (bert != null) {
            bert.close();
        }
        if (gpt2 != null) {
            gpt2.close();
        }
    }

    @Test
    void aWordOfSeveralTokensIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Verbalizer.ofWords(bert,
                SENTIMENT, Map.of("positive", "great", "negative", "abysmally")));
        assertTrue(e.getMessage().contains("'abysmally'") && e.getMessage().contains("'negative'")
                && e.getMessage().contains("single token"), e.getMessage());
    }

    @Test
    void gpt2AnswerWordsCarryTheTemplatesSpace() {
        Template causal = Template.parse("{sentence} It was [MASK]");
        Verbalizer v = Verbalizer.ofWords(gpt2, causal, new LinkedHashMap<>(Map.of("positive", "great")) {{
                put("negative", "terrible"); }});
        assertArrayEquals(new long[] {gpt2.encode(" great", false)[0]}, v.tokenIds("positive"));
        assertEquals(1, gpt2.encode(" great", false).length);
    }

    /** Scores against log-softmax over the label words computed here in double precision. */
    @Test
    void scoresAreLogProbabilitiesOverTheLabelWords() {
        Map<String, List<String>> words = new LinkedHashMap<>();
        words.put("positive", List.of("great", "good"));
        words.put("negative", List.of("terrible"));
        words.put("neutral", List.of("okay", "fine", "average"));
        Verbalizer v = Verbalizer.of(bert, SENTIMENT, words);
        int vocab = bert.vocabSize();
        Random random = new Random(3);
        float[] logits = new float[2 * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray answer = scope.create(logits, new Shape(2, vocab));
            float[] scores = v.scores(answer).toFloatArray();
            for (int row = 0; row < 2; row++) {
                double norm = 0;
                for (String label : v.labels()) {
                    for (long id : v.tokenIds(label)) {
                        norm += Math.exp(logits[row * vocab + (int) id]);
                    }
                }
                for (int l = 0; l < v.size(); l++) {
                    double mass = 0;
                    for (long id : v.tokenIds(v.labels().get(l))) {
                        mass += Math.exp(logits[row * vocab + (int) id]);
                    }
                    assertEquals(Math.log(mass / norm), scores[row * v.size() + l], 1e-5);
                }
            }
            float[] s = scores;
            int[] gold = {2, 0};
            double expectedLoss = -(s[2] + s[v.size()]) / 2;
            assertEquals(expectedLoss, v.loss(answer, gold).getFloat(), 1e-5);
            int[] predicted = v.predict(answer);
            for (int row = 0; row < 2; row++) {
                int best = 0;
                for (int l = 1; l < v.size(); l++) {
                    best = s[row * v.size() + l] > s[row * v.size() + best] ? l : best;
                }
                assertEquals(best, predicted[row]);
            }
        }
    }

    @Test
    void twoLabelsMayNotShareAToken() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Verbalizer.of(bert, SENTIMENT,
                Map.of("a", List.of("good"), "b", List.of("good")))).getMessage().contains("same token"));
    }

    @Test
    void nullVerbalizerPicksDistinctSingleTokenWordsRepeatably() {
        List<String> labels = List.of("entailment", "neutral", "contradiction");
        Verbalizer first = Verbalizer.arbitrary(bert, SENTIMENT, labels, 11);
        Verbalizer again = Verbalizer.arbitrary(bert, SENTIMENT, labels, 11);
        Verbalizer other = Verbalizer.arbitrary(bert, SENTIMENT, labels, 12);
        assertEquals(labels, first.labels());
        for (String label : labels) {
            assertEquals(first.words(label), again.words(label));
            String word = first.words(label).get(0);
            assertEquals(1, bert.encode(word, false).length, word);
            assertTrue(word.matches("[A-Za-z]{3,}"), word);
        }
        assertNotEquals(first.toString(), other.toString());
        System.out.println("[verbalizer] null verbalizer, seed 11: " + first);
    }
}
