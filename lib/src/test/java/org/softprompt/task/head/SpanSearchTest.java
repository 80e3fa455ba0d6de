package org.softprompt.task.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class SpanSearchTest {
    // [CLS] q q [SEP] c4 c5 c6 c7 c8 [SEP]
    private static final boolean[] CONTEXT = {false, false, false, false, true, true, true, true, true, false};

    @Test
    void bestSpanIsTheHighestValidStartPlusEnd() {
        float[] start = {0, 9, 0, 0, 1, 5, 0, 0, 0, 0};   // 9 at a question token is not allowed
        float[] end = {0, 0, 0, 0, 0, 0, 4, 2, 0, 8};     // 8 at [SEP] is not allowed
        SpanSearch.Prediction p = SpanSearch.predict(List.of(SpanSearch.Feature.of(start, end, CONTEXT)), 20, 30);
        assertEquals(5, p.answer().start());
        assertEquals(6, p.answer().end());
        assertEquals(9.0, p.answer().score());
        // n-best, best first: (5,6)=9, (5,7)=7, (5,5)=5, (5,8)=5 ...; end before start never appears
        List<SpanSearch.Candidate> best = p.nBest();
        assertEquals(new SpanSearch.Candidate(0, 5, 7, 5, 2), best.get(1));
        for (int i = 1; i < best.size(); i++) {
            assertTrue(best.get(i - 1).score() >= best.get(i).score());
            assertTrue(best.get(i).end() >= best.get(i).start());
        }
    }

    @Test
    void maxAnswerLengthExcludesLongSpans() {
        float[] start = {0, 0, 0, 0, 6, 0, 0, 0, 1, 0};
        float[] end = {0, 0, 0, 0, 0, 0, 0, 0, 6, 0};
        SpanSearch.Feature f = SpanSearch.Feature.of(start, end, CONTEXT);
        assertEquals(4, SpanSearch.predict(List.of(f), 20, 5).answer().start());   // 4..8 has length 5
        SpanSearch.Candidate shorter = SpanSearch.predict(List.of(f), 20, 4).answer();
        assertTrue(shorter.length() <= 4);
        assertEquals(new SpanSearch.Candidate(0, 8, 8, 1, 6), shorter);
    }

    @Test
    void noAnswerWhenTheNullScoreWinsByMoreThanTheThreshold() {
        float[] start = {6, 0, 0, 0, 3, 0, 0, 0, 0, 0};
        float[] end = {5, 0, 0, 0, 0, 4, 0, 0, 0, 0};
        SpanSearch.Feature f = SpanSearch.Feature.of(start, end, CONTEXT);
        SpanSearch.Prediction p = SpanSearch.predictWithNoAnswer(List.of(f), 20, 30, 0);
        assertEquals(11.0, p.nullScore());
        assertEquals(4.0, p.scoreDiff());   // 11 - (3 + 4)
        assertFalse(p.hasAnswer());
        assertEquals(4, p.nBest().get(0).start());
        // with a threshold above the difference, the best span is answered
        SpanSearch.Prediction lenient = SpanSearch.predictWithNoAnswer(List.of(f), 20, 30, 4.5);
        assertEquals(5, lenient.answer().end());
        // the example's null score is the minimum over its windows
        float[] start2 = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        float[] end2 = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        SpanSearch.Prediction two = SpanSearch.predictWithNoAnswer(
                List.of(f, SpanSearch.Feature.of(start2, end2, CONTEXT)), 20, 30, 0);
        assertEquals(2.0, two.nullScore());
        assertTrue(two.hasAnswer());
        assertEquals(0, two.answer().feature());
    }

    @Test
    void onlyTheTopNStartsAndEndsAreConsideredAsInTheOfficialCode() {
        // the top start (1) is a question token; with nBest 1 no valid pair remains
        float[] start = {0, 9, 0, 0, 1, 0, 0, 0, 0, 0};
        float[] end = {0, 0, 0, 0, 0, 3, 0, 0, 0, 0};
        SpanSearch.Feature f = SpanSearch.Feature.of(start, end, CONTEXT);
        assertNull(SpanSearch.predict(List.of(f), 1, 30).answer());
        assertEquals(new SpanSearch.Candidate(0, 4, 5, 1, 3), SpanSearch.predict(List.of(f), 2, 30).answer());
        boolean[] notMax = CONTEXT.clone();
        notMax[4] = false;
        assertNull(SpanSearch.predict(List.of(new SpanSearch.Feature(start, end, CONTEXT, notMax)), 2, 30).answer());
    }
}
