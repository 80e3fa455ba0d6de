package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class SeqEvalTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("seqeval span F1 (default + strict)");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesSeqevalOnEveryFixtureCase() {
        return FIXTURES.eachCase("seqeval.json", SeqEvalTest::checkCase);
    }

    private static List<List<String>> tags(JsonArray array) {
        return MetricFixtures.nestedStrings(array);
    }

    private static void checkCase(MetricFixtures.Case c) {
        String name = c.name();
        List<List<String>> predicted = tags(c.json().getAsJsonArray("hypotheses"));
        List<List<String>> gold = tags(c.json().getAsJsonArray("references"));
        JsonObject expected = c.expected();
        FIXTURES.assertClose(name + " accuracy", expected.get("accuracy").getAsDouble(),
                SeqEval.accuracy(predicted, gold));

        JsonObject defaults = expected.getAsJsonObject("default");
        checkReport(name + " default", defaults, SeqEval.report(predicted, gold));
        checkEntities(name + " default gold", defaults.getAsJsonArray("entities_true"), SeqEval.entities(gold), true);
        checkEntities(name + " default predicted", defaults.getAsJsonArray("entities_pred"),
                SeqEval.entities(predicted), true);

        JsonObject strict = expected.getAsJsonObject("strict");
        SeqEval.Scheme scheme = SeqEval.Scheme.valueOf(strict.get("scheme").getAsString());
        checkReport(name + " strict", strict, SeqEval.report(predicted, gold, scheme));
        checkEntities(name + " strict gold", strict.getAsJsonArray("entities_true"), SeqEval.entities(gold, scheme),
                false);
        checkEntities(name + " strict predicted", strict.getAsJsonArray("entities_pred"),
                SeqEval.entities(predicted, scheme), false);
    }

    private static void checkReport(String what, JsonObject expected, SeqEval.Report report) {
        checkAverage(what + " micro", expected.getAsJsonObject("micro"), report.micro());
        checkAverage(what + " macro", expected.getAsJsonObject("macro"), report.macro());
        checkAverage(what + " weighted", expected.getAsJsonObject("weighted"), report.weighted());
        JsonObject classification = expected.getAsJsonObject("classification_report");
        List<String> expectedTypes = new ArrayList<>();
        for (Map.Entry<String, JsonElement> entry : classification.entrySet()) {
            JsonObject row = entry.getValue().getAsJsonObject();
            SeqEval.Scores actual = switch (entry.getKey()) {
                case "micro avg" -> report.micro();
                case "macro avg" -> report.macro();
                case "weighted avg" -> report.weighted();
                default -> {
                    expectedTypes.add(entry.getKey());
                    assertTrue(report.perType().containsKey(entry.getKey()), what + ": type " + entry.getKey());
                    yield report.perType().get(entry.getKey());
                }
            };
            String row_ = what + " report[" + entry.getKey() + "]";
            FIXTURES.assertClose(row_ + " precision", MetricFixtures.number(row.get("precision")), actual.precision());
            FIXTURES.assertClose(row_ + " recall", MetricFixtures.number(row.get("recall")), actual.recall());
            FIXTURES.assertClose(row_ + " f1", MetricFixtures.number(row.get("f1-score")), actual.f1());
            FIXTURES.assertSame(row_ + " support", row.get("support").getAsInt(), actual.support());
        }
        FIXTURES.assertSame(what + " types in order", expectedTypes, new ArrayList<>(report.perType().keySet()));
    }

    private static void checkAverage(String what, JsonObject expected, SeqEval.Scores actual) {
        FIXTURES.assertClose(what + " precision", MetricFixtures.number(expected.get("precision")), actual.precision());
        FIXTURES.assertClose(what + " recall", MetricFixtures.number(expected.get("recall")), actual.recall());
        FIXTURES.assertClose(what + " f1", MetricFixtures.number(expected.get("f1")), actual.f1());
    }

    /** Default-mode fixtures give inclusive ends (get_entities), strict ones exclusive ends (Entities). */
    private static void checkEntities(String what, JsonArray expected, List<List<SeqEval.Entity>> actual,
                                      boolean inclusiveEnd) {
        assertEquals(expected.size(), actual.size(), what + ": sentences");
        for (int s = 0; s < expected.size(); s++) {
            List<String> expectedSpans = new ArrayList<>();
            for (JsonElement e : expected.get(s).getAsJsonArray()) {
                JsonArray span = e.getAsJsonArray();
                expectedSpans.add(span.get(0).getAsString() + "[" + span.get(1).getAsInt() + ","
                        + (span.get(2).getAsInt() + (inclusiveEnd ? 1 : 0)) + ")");
            }
            List<String> actualSpans = actual.get(s).stream().map(x -> x.type() + "[" + x.start() + "," + x.end()
                    + ")").toList();
            FIXTURES.assertSame(what + " sentence " + s, expectedSpans, actualSpans);
        }
    }

    @Test
    void strictModeRejectsPrefixesOutsideTheScheme() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SeqEval.report(List.of(List.of("S-PER")), List.of(List.of("B-PER")), SeqEval.Scheme.IOB2));
        assertTrue(e.getMessage().contains("S-PER"), e.getMessage());
    }

    @Test
    void misalignedSentencesAreRejectedWithTheIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SeqEval.report(List.of(List.of("O"), List.of("O")), List.of(List.of("O"), List.of("O", "O"))));
        assertTrue(e.getMessage().contains("sentence 1"), e.getMessage());
    }
}
