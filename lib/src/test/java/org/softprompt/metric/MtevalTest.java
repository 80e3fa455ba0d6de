package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class MtevalTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("mteval-v13a BLEU/NIST (e2e-metrics)");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesTheE2eScriptsPerlBleuAndNist() {
        return FIXTURES.eachCase("e2e_metrics.json", c -> {
            String name = c.name();
            Mteval.Result result = Mteval.e2e(c.hypotheses(), c.references());
            JsonObject expected = c.expected();
            JsonObject full = expected.getAsJsonObject("full_precision");
            FIXTURES.assertClose(name + " BLEU", full.get("BLEU").getAsDouble(), result.bleu());
            FIXTURES.assertClose(name + " NIST", full.get("NIST").getAsDouble(), result.nist());
            // the line the Perl script prints, which the E2E tables quote
            FIXTURES.assertSame(name + " printed line", expected.get("mteval_printed_line").getAsString(),
                    String.format(Locale.ROOT, "NIST score = %s  BLEU score = %s",
                            PythonText.fixed(result.nist(), 4), PythonText.fixed(result.bleu(), 4)));
        });
    }

    @TestFactory
    Stream<DynamicTest> matchesMtevalNistOnTheNltkComparisonCases() {
        // nist_nltk.json also records mteval-v13a's NIST (from the e2e-metrics copy) on the same strings
        return FIXTURES.eachCase("nist_nltk.json", c -> {
            Mteval.Result result = Mteval.e2e(c.hypotheses(), c.references());
            JsonObject comparison = c.json().getAsJsonObject("comparison_not_expected_to_match");
            FIXTURES.assertClose(c.name() + " mteval NIST", comparison.get("mteval_v13a_nist_n5").getAsDouble(),
                    result.nist());
        });
    }

    @Test
    void tokenizesLikeMteval() {
        MtevalTokenizer tokenizer = new MtevalTokenizer(false);
        // the pound sign is not ASCII punctuation, so it stays on the number (as in the e2e pound-sign case)
        assertEquals("the price is £20 - 25 , it's 1,000.50 !", tokenizer.apply("The price is £20-25, it's 1,000.50!"));
        assertEquals("tom & jerry \" quoted \"", tokenizer.apply("Tom &amp; Jerry &quot;quoted&quot;"));
        assertEquals("", tokenizer.apply("  \u00a0 "));
    }

    @Test
    void aPrefixTokenZeroUsesTheTotalWordCountAsPerlDoes() {
        // bigram "0 a": Perl's `$mgram ? ... : ...` treats the prefix "0" as false, so the bigram's information is
        // log2(total words / count) = log2(4 / 1) = 2 instead of log2(count("0") / count("0 a")) = 0
        Mteval.Result result = Mteval.e2e(List.of("0 a"), List.of(List.of("0 a b c")));
        // unigram information: "0" and "a" each log2(4/1) = 2 -> average 2 over 2 unigrams
        assertEquals(2.0, result.nistInformation().get(0), 1e-12);
        // bigram "0 a": 2 (the quirk), over 1 hypothesis bigram
        assertEquals(2.0, result.nistInformation().get(1), 1e-12);
    }

    @Test
    void allEmptyReferencesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Mteval.e2e(List.of("a b"), List.of(List.of(""))));
    }
}
