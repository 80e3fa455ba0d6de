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

class CiderDTest {

    private static final MetricFixtures FIXTURES = new MetricFixtures("pycocoevalcap CIDEr-D");

    @AfterAll
    static void report() {
        FIXTURES.report();
    }

    @TestFactory
    Stream<DynamicTest> matchesPycocoevalcapOnEveryFixtureCase() {
        return FIXTURES.eachCase("cider_d.json", c -> {
            String name = c.name();
            CiderD.Result result = CiderD.score(c.hypotheses(), c.references());
            JsonObject expected = c.expected();
            FIXTURES.assertClose(name + " CIDEr-D", expected.get("CIDEr-D").getAsDouble(), result.score());
            JsonArray perSegment = expected.getAsJsonArray("per_segment");
            assertEquals(perSegment.size(), result.perSegment().size(), name + ": one score per segment");
            for (int i = 0; i < perSegment.size(); i++) {
                FIXTURES.assertClose(name + " segment " + i, perSegment.get(i).getAsDouble(),
                        result.perSegment().get(i));
            }
        });
    }

    @Test
    void numpySumAssociatesLikeNumpy() {
        // 1e16 + 1 + ... : numpy's eight-way accumulation keeps the ones that a left-to-right sum loses
        double[] values = new double[16];
        values[0] = 1e16;
        for (int i = 1; i < values.length; i++) {
            values[i] = 1.0;
        }
        // r[0] = 1e16 + 1 (rounds to 1e16), r[1..7] = 2 each: ((1e16 + 2) + 4) + 8 = 1e16 + 14
        assertEquals(1e16 + 14, NumpySum.sum(values));
        double leftToRight = 0;
        for (double v : values) {
            leftToRight += v;
        }
        assertEquals(1e16, leftToRight);
    }

    @Test
    void aSingleSegmentCorpusScoresZero() {
        assertEquals(0.0, CiderD.score(List.of("a cat"), List.of(List.of("a cat"))).score());
    }
}
