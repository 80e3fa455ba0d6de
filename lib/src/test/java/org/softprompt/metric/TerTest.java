package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class TerTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("sacrebleu TER");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesSacrebleuOnEveryFixtureCase() {
        return FIXTURES.eachCase("sacrebleu_ter.json", TerTest::checkCase);
    }

    private static void checkCase(MetricFixtures.Case c) {
        String name = c.name();
        List<String> hypotheses = c.hypotheses();
        List<List<String>> references = c.references();
        JsonObject expected = c.expected();
        Ter.Score corpus = Ter.corpus(hypotheses, references);
        check(name + " corpus", expected, corpus);
        FIXTURES.assertSame(name + " signature", expected.get("signature").getAsString(), corpus.signature());
        JsonArray sentences = expected.getAsJsonArray("sentence_ter");
        assertEquals(hypotheses.size(), sentences.size(), name + ": one sentence score per hypothesis");
        for (int i = 0; i < hypotheses.size(); i++) {
            check(name + " sentence " + i, sentences.get(i).getAsJsonObject(),
                    Ter.sentence(hypotheses.get(i), references.get(i)));
        }
    }

    private static void check(String what, JsonObject expected, Ter.Score actual) {
        FIXTURES.assertClose(what + " score", expected.get("score").getAsDouble(), actual.score());
        FIXTURES.assertSame(what + " num_edits", expected.get("num_edits").getAsInt(), actual.numEdits());
        FIXTURES.assertClose(what + " ref_length", expected.get("ref_length").getAsDouble(), actual.refLength());
    }

    @Test
    void aBlockShiftCostsOneEdit() {
        // moving "d e" to the front is one shift, after which the sentences are equal
        assertArrayEquals(new int[] {1, 5},
                Ter.translationEditRate(List.of("a", "b", "c", "d", "e"), List.of("d", "e", "a", "b", "c")));
    }

    @Test
    void emptyReferenceCountsEveryHypothesisWord() {
        Ter.Score score = Ter.sentence("two words", List.of(""));
        assertEquals(2, score.numEdits());
        assertEquals(100.0, score.score());
    }
}
