package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class NltkNistTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("NLTK 3.8 NIST");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesNltkOnEveryFixtureCase() {
        return FIXTURES.eachCase("nist_nltk.json", c -> {
            String name = c.name();
            List<String> hyps = c.hypotheses();
            List<List<String>> refs = c.references();
            JsonObject expected = c.expected();
            check(name + " corpus n=5", expected.get("corpus_nist_n5"), () -> NltkNist.corpus(hyps, refs, 5));
            check(name + " corpus n=4", expected.get("corpus_nist_n4"), () -> NltkNist.corpus(hyps, refs, 4));
            JsonArray sentences = expected.getAsJsonArray("sentence_nist_n5");
            assertEquals(hyps.size(), sentences.size(), name + ": one sentence value per hypothesis");
            for (int i = 0; i < hyps.size(); i++) {
                int index = i;
                check(name + " sentence " + i, sentences.get(i),
                        () -> NltkNist.sentence(hyps.get(index), refs.get(index), 5));
            }
        });
    }

    private static void check(String what, JsonElement expected, DoubleSupplier actual) {
        if (MetricFixtures.isError(expected)) {
            // NLTK raised ZeroDivisionError; we raise ArithmeticException at the same point
            FIXTURES.assertSame(what + " error", "ZeroDivisionError",
                    expected.getAsJsonObject().get("error").getAsString());
            assertThrows(ArithmeticException.class, actual::getAsDouble, what);
        } else {
            FIXTURES.assertClose(what, expected.getAsDouble(), actual.getAsDouble());
        }
    }
}
