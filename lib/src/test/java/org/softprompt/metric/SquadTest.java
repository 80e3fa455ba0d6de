package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class SquadTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("SQuAD v1.1 / v2.0 official scripts");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesEvaluateV11OnEveryFixtureCase() {
        return FIXTURES.eachCase("squad_v1_1.json", SquadTest::checkV1);
    }

    @TestFactory
    Stream<DynamicTest> matchesEvaluateV20OnEveryFixtureCase() {
        return FIXTURES.eachCase("squad_v2_0.json", SquadTest::checkV2);
    }

    private static void checkNormalization(String name, MetricFixtures.Case c, List<String> predictions,
                                           List<List<String>> golds) {
        JsonObject intermediate = c.json().getAsJsonObject("intermediate");
        List<String> expectedPredictions = MetricFixtures.strings(
                intermediate.getAsJsonArray("normalized_hypotheses"));
        for (int i = 0; i < predictions.size(); i++) {
            if (predictions.get(i) != null) {
                FIXTURES.assertSame(name + " normalized prediction " + i, expectedPredictions.get(i),
                        SquadAnswers.normalize(predictions.get(i)));
            }
        }
        List<List<String>> expectedGolds = MetricFixtures.nestedStrings(
                intermediate.getAsJsonArray("normalized_references"));
        for (int i = 0; i < golds.size(); i++) {
            FIXTURES.assertSame(name + " normalized golds " + i, expectedGolds.get(i),
                    golds.get(i).stream().map(SquadAnswers::normalize).toList());
        }
    }

    private static void checkV1(MetricFixtures.Case c) {
        String name = c.name();
        List<String> predictions = c.hypotheses();
        List<List<String>> golds = c.references();
        checkNormalization(name, c, predictions, golds);
        JsonObject expected = c.expected();
        SquadV1.Result result = SquadV1.evaluate(predictions, golds);
        FIXTURES.assertClose(name + " exact_match", expected.get("exact_match").getAsDouble(), result.exactMatch());
        FIXTURES.assertClose(name + " f1", expected.get("f1").getAsDouble(), result.f1());
        JsonArray perQuestion = expected.getAsJsonArray("per_question");
        for (int i = 0; i < perQuestion.size(); i++) {
            JsonObject q = perQuestion.get(i).getAsJsonObject();
            SquadV1.Question actual = result.perQuestion().get(i);
            if (q.has("missing") && q.get("missing").getAsBoolean()) {
                assertNull(actual.exactMatch(), name + " question " + i + " is missing");
                assertNull(actual.f1(), name + " question " + i + " is missing");
                continue;
            }
            FIXTURES.assertSame(name + " EM " + i, q.get("exact_match").getAsBoolean(), actual.exactMatch());
            FIXTURES.assertClose(name + " F1 " + i, q.get("f1").getAsDouble(), actual.f1());
        }
    }

    private static void checkV2(MetricFixtures.Case c) {
        String name = c.name();
        List<String> predictions = c.hypotheses();
        List<List<String>> golds = c.references();
        checkNormalization(name, c, predictions, golds);
        JsonObject options = c.json().getAsJsonObject("options");
        List<Double> naProbs = null;
        if (options.has("na_probs")) {
            naProbs = new ArrayList<>();
            for (JsonElement e : options.getAsJsonArray("na_probs")) {
                naProbs.add(e.getAsDouble());
            }
        }
        double threshold = options.has("na_prob_thresh") ? options.get("na_prob_thresh").getAsDouble() : 1.0;
        SquadV2.Result result = SquadV2.evaluate(predictions, golds, naProbs, threshold);
        JsonObject eval = c.expected().getAsJsonObject("eval");
        checkSubset(name, "", eval, result.all());
        checkSubset(name, "HasAns_", eval, result.hasAns());
        checkSubset(name, "NoAns_", eval, result.noAns());
        if (eval.has("best_exact")) {
            FIXTURES.assertClose(name + " best_exact", eval.get("best_exact").getAsDouble(), result.best().exact());
            FIXTURES.assertClose(name + " best_exact_thresh", eval.get("best_exact_thresh").getAsDouble(),
                    result.best().exactThreshold());
            FIXTURES.assertClose(name + " best_f1", eval.get("best_f1").getAsDouble(), result.best().f1());
            FIXTURES.assertClose(name + " best_f1_thresh", eval.get("best_f1_thresh").getAsDouble(),
                    result.best().f1Threshold());
        } else {
            assertNull(result.best(), name + ": no best_* without na_probs");
        }
        JsonArray raw = c.expected().getAsJsonArray("per_question_raw");
        for (int i = 0; i < raw.size(); i++) {
            JsonObject q = raw.get(i).getAsJsonObject();
            FIXTURES.assertClose(name + " raw exact " + i, q.get("exact").getAsDouble(), result.rawExact().get(i));
            FIXTURES.assertClose(name + " raw f1 " + i, q.get("f1").getAsDouble(), result.rawF1().get(i));
        }
    }

    private static void checkSubset(String name, String prefix, JsonObject eval, SquadV2.Subset subset) {
        if (!eval.has(prefix + "total")) {
            assertNull(subset, name + ": no " + prefix + " keys expected");
            return;
        }
        FIXTURES.assertClose(name + " " + prefix + "exact", eval.get(prefix + "exact").getAsDouble(), subset.exact());
        FIXTURES.assertClose(name + " " + prefix + "f1", eval.get(prefix + "f1").getAsDouble(), subset.f1());
        FIXTURES.assertSame(name + " " + prefix + "total", eval.get(prefix + "total").getAsInt(), subset.total());
    }

    @Test
    void aMissingV2PredictionIsAnErrorAsInTheOfficialScript() {
        assertThrows(IllegalArgumentException.class,
                () -> SquadV2.evaluate(Arrays.asList("a", null), List.of(List.of("a"), List.of("b"))));
    }

    @Test
    void articlesAreWholeWordsOnly() {
        assertEquals("theory of another mind", SquadAnswers.normalize("The theory of another mind"));
    }
}
