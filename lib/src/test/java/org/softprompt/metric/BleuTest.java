package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class BleuTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("sacrebleu BLEU");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesSacrebleuOnEveryFixtureCase() {
        return FIXTURES.eachCase("sacrebleu_bleu.json", BleuTest::checkCase);
    }

    private static void checkCase(MetricFixtures.Case c) {
        String name = c.name();
        List<String> hypotheses = c.hypotheses();
        List<List<String>> references = c.references();
        JsonObject expected = c.expected();

        Tokenizer13a tokenizer = new Tokenizer13a();
        JsonObject tokenized = c.json().getAsJsonObject("tokenized_13a");
        List<String> expectedHyps = MetricFixtures.strings(tokenized.getAsJsonArray("hypotheses"));
        for (int i = 0; i < hypotheses.size(); i++) {
            FIXTURES.assertSame(name + " 13a hypothesis " + i, expectedHyps.get(i), tokenizer.apply(hypotheses.get(i)));
        }
        List<List<String>> expectedRefs = MetricFixtures.nestedStrings(tokenized.getAsJsonArray("references"));
        for (int i = 0; i < references.size(); i++) {
            for (int j = 0; j < references.get(i).size(); j++) {
                FIXTURES.assertSame(name + " 13a reference " + i + "/" + j, expectedRefs.get(i).get(j),
                        tokenizer.apply(references.get(i).get(j)));
            }
        }

        BleuScore corpus = Bleu.corpus(hypotheses, references);
        checkScore(name + " corpus", expected, corpus);
        FIXTURES.assertClose(name + " corpus ratio", expected.get("ratio").getAsDouble(), corpus.ratio());
        FIXTURES.assertSame(name + " corpus formatted", expected.get("formatted").getAsString(), corpus.formatted());
        FIXTURES.assertSame(name + " corpus signature", expected.get("signature").getAsString(), corpus.signature());
        JsonArray precisions = expected.getAsJsonArray("precisions");
        for (int n = 0; n < precisions.size(); n++) {
            FIXTURES.assertClose(name + " corpus precision " + (n + 1), precisions.get(n).getAsDouble(),
                    corpus.precisions().get(n));
        }

        JsonArray sentences = expected.getAsJsonArray("sentence_bleu");
        assertEquals(hypotheses.size(), sentences.size(), name + ": one sentence_bleu entry per hypothesis");
        for (int i = 0; i < hypotheses.size(); i++) {
            BleuScore sentence = Bleu.sentence(hypotheses.get(i), references.get(i));
            checkScore(name + " sentence " + i, sentences.get(i).getAsJsonObject(), sentence);
        }
    }

    private static void checkScore(String what, JsonObject expected, BleuScore actual) {
        FIXTURES.assertClose(what + " score", expected.get("score").getAsDouble(), actual.score());
        FIXTURES.assertClose(what + " bp", expected.get("bp").getAsDouble(), actual.bp());
        FIXTURES.assertSame(what + " sys_len", expected.get("sys_len").getAsInt(), actual.sysLen());
        FIXTURES.assertSame(what + " ref_len", expected.get("ref_len").getAsInt(), actual.refLen());
        FIXTURES.assertSame(what + " counts", ints(expected.getAsJsonArray("counts")), actual.counts());
        FIXTURES.assertSame(what + " totals", ints(expected.getAsJsonArray("totals")), actual.totals());
    }

    private static List<Integer> ints(JsonArray array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(e -> values.add(e.getAsInt()));
        return values;
    }

    @Test
    void formatsLikePythonRoundingHalfToEven() {
        // 0.125 is exactly representable: Python's '%.2f' gives 0.12, Java's String.format would give 0.13
        assertEquals("0.12", PythonText.fixed(0.125, 2));
        assertEquals("100.00", PythonText.fixed(100.00000000000004, 2));
    }

    @Test
    void rejectsMissingReferencesWithTheIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bleu.corpus(List.of("a", "b"), List.of(List.of("a"), List.of())));
        assertEquals(true, e.getMessage().contains("referencesPerHypothesis[1]"), e.getMessage());
    }

    @Test
    void noneSmoothingGivesZeroWithoutFourGramMatches() {
        BleuScore score = Bleu.sacrebleuCorpusDefaults().withSmoothing(Bleu.Smoothing.NONE)
                .corpusScore(List.of("one two three four"), List.of(List.of("three two one four")));
        assertEquals(0.0, score.score());
        assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:none|version:2.6.0", score.signature());
    }
}
