package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class RougeTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("rouge-score ROUGE-1/2/L/Lsum");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesRougeScoreOnEveryFixtureCase() {
        return FIXTURES.eachCase("rouge_score.json", RougeTest::checkCase);
    }

    private static void checkCase(MetricFixtures.Case c) {
        String name = c.name();
        List<String> predictions = c.hypotheses();
        List<List<String>> targets = c.references();
        JsonObject expected = c.expected();
        check(name + " no stemmer", new Rouge(false), predictions, targets, expected.getAsJsonObject("no_stemmer"));
        check(name + " stemmer", new Rouge(true), predictions, targets,
                expected.getAsJsonObject("porter_stemmer"));
    }

    private static void check(String what, Rouge rouge, List<String> predictions, List<List<String>> targets,
                              JsonObject expected) {
        JsonArray perExample = expected.getAsJsonArray("per_example");
        JsonArray tokens = expected.getAsJsonArray("tokens");
        List<Rouge.Scores> all = new ArrayList<>();
        for (int i = 0; i < predictions.size(); i++) {
            String target = targets.get(i).get(0);
            JsonObject expectedTokens = tokens.get(i).getAsJsonObject();
            FIXTURES.assertSame(what + " tokens of prediction " + i,
                    MetricFixtures.strings(expectedTokens.getAsJsonArray("prediction")),
                    rouge.tokenize(predictions.get(i)));
            FIXTURES.assertSame(what + " tokens of target " + i,
                    MetricFixtures.strings(expectedTokens.getAsJsonArray("target")), rouge.tokenize(target));
            Rouge.Scores scores = rouge.score(target, predictions.get(i));
            all.add(scores);
            checkScores(what + " example " + i, perExample.get(i).getAsJsonObject(), scores);
        }
        checkScores(what + " mean", expected.getAsJsonObject("mean"), Rouge.mean(all));
        checkScores(what + " mean via mean(predictions, targets)", expected.getAsJsonObject("mean"),
                rouge.mean(predictions, targets));
    }

    private static void checkScores(String what, JsonObject expected, Rouge.Scores actual) {
        checkScore(what + " rouge1", expected.getAsJsonObject("rouge1"), actual.rouge1());
        checkScore(what + " rouge2", expected.getAsJsonObject("rouge2"), actual.rouge2());
        checkScore(what + " rougeL", expected.getAsJsonObject("rougeL"), actual.rougeL());
        checkScore(what + " rougeLsum", expected.getAsJsonObject("rougeLsum"), actual.rougeLsum());
    }

    private static void checkScore(String what, JsonObject expected, Rouge.Score actual) {
        FIXTURES.assertClose(what + " precision", expected.get("precision").getAsDouble(), actual.precision());
        FIXTURES.assertClose(what + " recall", expected.get("recall").getAsDouble(), actual.recall());
        FIXTURES.assertClose(what + " fmeasure", expected.get("fmeasure").getAsDouble(), actual.fmeasure());
    }

    @Test
    void scoreMultiTakesTheBestTargetPerType() {
        Rouge rouge = new Rouge(false);
        Rouge.Scores multi = rouge.scoreMulti(List.of("completely unrelated words", "the cat sat"), "the cat sat");
        assertEquals(1.0, multi.rouge1().fmeasure());
        assertEquals(1.0, multi.rougeL().fmeasure());
    }

    @Test
    void rougeNWorksForHigherOrders() {
        Function<String, List<String>> t = s -> List.of(s.split(" "));
        Rouge.Score s = Rouge.rougeN(t.apply("a b c d"), t.apply("a b c e"), 3);
        // trigrams: target {abc, bcd}, prediction {abc, bce}: one overlap of two each way
        assertEquals(0.5, s.precision());
        assertEquals(0.5, s.recall());
    }
}
