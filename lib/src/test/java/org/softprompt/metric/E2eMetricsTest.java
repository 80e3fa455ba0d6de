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

class E2eMetricsTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("E2E script (BLEU, NIST, ROUGE_L, CIDEr)");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesMeasureScoresOnEveryFixtureCase() {
        return FIXTURES.eachCase("e2e_metrics.json", E2eMetricsTest::checkCase);
    }

    private static void checkCase(MetricFixtures.Case c) {
        String name = c.name();
        List<String> hypotheses = c.hypotheses();
        List<List<String>> references = c.references();
        JsonObject expected = c.expected();
        JsonObject intermediate = c.json().getAsJsonObject("intermediate");
        List<String> tokenizedHyps = MetricFixtures.strings(intermediate.getAsJsonArray("ptb_tokenized_hypotheses"));
        List<List<String>> tokenizedRefs = MetricFixtures.nestedStrings(
                intermediate.getAsJsonArray("ptb_tokenized_references"));

        E2eMetrics.Result result = E2eMetrics.score(hypotheses, references);
        FIXTURES.assertSame(name + " PTB-tokenized hypotheses", tokenizedHyps, result.tokenizedHypotheses());
        FIXTURES.assertSame(name + " PTB-tokenized references", tokenizedRefs, result.tokenizedReferences());

        JsonObject full = expected.getAsJsonObject("full_precision");
        FIXTURES.assertClose(name + " BLEU", full.get("BLEU").getAsDouble(), result.bleu());
        FIXTURES.assertClose(name + " NIST", full.get("NIST").getAsDouble(), result.nist());
        FIXTURES.assertClose(name + " ROUGE_L", full.get("ROUGE_L").getAsDouble(), result.rougeL());
        FIXTURES.assertClose(name + " CIDEr", full.get("CIDEr").getAsDouble(), result.cider());

        // the scorers alone, on the reference tokenizer's own intermediate text
        CocoRougeL.Result rouge = CocoRougeL.score(tokenizedHyps, tokenizedRefs);
        CiderD.Result cider = CiderD.score(tokenizedHyps, tokenizedRefs);
        JsonArray perInstance = expected.getAsJsonArray("per_instance");
        assertEquals(hypotheses.size(), perInstance.size(), name + ": one per-instance entry per output");
        for (int i = 0; i < perInstance.size(); i++) {
            JsonObject instance = perInstance.get(i).getAsJsonObject();
            FIXTURES.assertClose(name + " ROUGE_L instance " + i, instance.get("ROUGE_L").getAsDouble(),
                    rouge.perSegment().get(i));
            FIXTURES.assertClose(name + " CIDEr instance " + i, instance.get("CIDEr").getAsDouble(),
                    cider.perSegment().get(i));
        }

        // the four numbers as measure_scores.py prints them (4 decimals)
        JsonObject printed = expected.getAsJsonObject("printed");
        FIXTURES.assertSame(name + " printed BLEU", printed.get("BLEU").getAsDouble(), round4(result.bleu()));
        FIXTURES.assertSame(name + " printed NIST", printed.get("NIST").getAsDouble(), round4(result.nist()));
        FIXTURES.assertSame(name + " printed ROUGE_L", printed.get("ROUGE_L").getAsDouble(),
                round4(result.rougeL()));
        FIXTURES.assertSame(name + " printed CIDEr", printed.get("CIDEr").getAsDouble(), round4(result.cider()));
        FIXTURES.assertSame(name + " printed stdout", expected.get("printed_stdout").getAsString(), result.printed());
        assertEquals(true, expected.get("METEOR").isJsonNull(), name + ": the fixtures have no METEOR");
    }

    private static double round4(double value) {
        return Double.parseDouble(PythonText.fixed(value, 4));
    }

    @Test
    void tokenizerKeepsHyphenatedWordsAndDropsPunctuation() {
        PtbTokenizer tokenizer = new PtbTokenizer();
        assertEquals("there 's a 5-star family-friendly place , near the river".replace(" ,", ""),
                tokenizer.apply("There's a 5-star, family-friendly place, near the river."));
        assertEquals("do n't go -lrb- now -rrb-", tokenizer.apply("Don't go (now)!"));
        assertEquals("it costs # 20 at 3 p.m.", tokenizer.apply("It costs £20 at 3 p.m."));
    }

    @Test
    void anEmptyOutputHasOneEmptyTokenForRougeL() {
        // pycocoevalcap splits on " ", so "" is one empty token: precision 0, score 0
        assertEquals(0.0, CocoRougeL.segment("", List.of("a b")));
    }
}
