package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ChrFTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("sacrebleu chrF/chrF++");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesSacrebleuOnEveryFixtureCase() {
        return FIXTURES.eachCase("sacrebleu_chrf.json", ChrFTest::checkCase);
    }

    private static void checkCase(MetricFixtures.Case c) {
        String name = c.name();
        List<String> hypotheses = c.hypotheses();
        List<List<String>> references = c.references();
        JsonObject expected = c.expected();
        check(name, "chrF", ChrF.chrF(), hypotheses, references, expected);
        check(name, "chrF++", ChrF.chrFPlusPlus(), hypotheses, references, expected);
    }

    private static void check(String name, String key, ChrF metric, List<String> hypotheses,
                              List<List<String>> references, JsonObject expected) {
        ChrF.Score corpus = metric.corpusScore(hypotheses, references);
        FIXTURES.assertClose(name + " " + key, expected.get(key).getAsDouble(), corpus.score());
        FIXTURES.assertSame(name + " " + key + " signature", expected.get(key + "_signature").getAsString(),
                corpus.signature());
        JsonArray sentences = expected.getAsJsonArray("sentence_" + key);
        assertEquals(hypotheses.size(), sentences.size(), name + ": one sentence score per hypothesis");
        for (int i = 0; i < hypotheses.size(); i++) {
            FIXTURES.assertClose(name + " sentence " + key + " " + i, sentences.get(i).getAsDouble(),
                    metric.sentenceScore(hypotheses.get(i), references.get(i)).score());
        }
    }

    @Test
    void namesTheVariantsLikeSacrebleu() {
        assertEquals("chrF2", ChrF.chrF().sentenceScore("a", List.of("a")).name());
        assertEquals("chrF2++", ChrF.chrFPlusPlus().sentenceScore("a", List.of("a")).name());
    }

    @Test
    void countsAstralCharactersAsOneCharacter() {
        // one emoji is one code point (two UTF-16 units): identical one-character strings score 100
        assertEquals(100.0, ChrF.chrF().sentenceScore("\uD83D\uDE00", List.of("\uD83D\uDE00")).score(), 1e-12);
    }
}
