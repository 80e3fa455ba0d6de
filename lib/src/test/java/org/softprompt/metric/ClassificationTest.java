package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationTest {

    @Test
    void handComputedThreeClassExample() {
        // gold: a a b b c ; predicted: a b b b a
        // a: tp 1, fp 1 (last), fn 1 (second)  -> P 1/2, R 1/2, F1 2*1/(2+1+1) = 1/2
        // b: tp 2, fp 1 (second), fn 0         -> P 2/3, R 1,   F1 4/(4+1) = 4/5
        // c: tp 0, fp 0, fn 1                  -> P 0,   R 0,   F1 0
        Classification<String> c = Classification.of(List.of("a", "b", "b", "b", "a"),
                List.of("a", "a", "b", "b", "c"));
        assertEquals(3.0 / 5, c.accuracy(), 1e-15);
        assertEquals((0.5 + 0.8 + 0.0) / 3, c.macroF1(), 1e-15);
        assertEquals((0.5 + 2.0 / 3 + 0.0) / 3, c.macro().precision(), 1e-15);
        assertEquals((0.5 + 1.0 + 0.0) / 3, c.macro().recall(), 1e-15);
        // micro: tp 3, fp 2, fn 2 -> 6 / (6 + 4) = 0.6 = accuracy
        assertEquals(0.6, c.microF1(), 1e-15);
        assertEquals(2, c.perLabel().get("b").support());
        assertEquals(0.0, c.perLabel().get("c").f1());
    }

    @Test
    void aLabelOnlyPredictedCountsInTheMacroAverage() {
        // gold a a, predicted a x: labels {a, x}; a: P 1, R 1/2, F1 2/3; x: P 0, R 0 (no gold), F1 0
        Classification<String> c = Classification.of(List.of("a", "x"), List.of("a", "a"));
        assertEquals((2.0 / 3 + 0.0) / 2, c.macroF1(), 1e-15);
    }

    @Test
    void rejectsMismatchedLengths() {
        assertThrows(IllegalArgumentException.class, () -> Classification.of(List.of(1), List.of(1, 2)));
    }

    @Test
    void precisionAtOneAndAtK() {
        assertEquals(0.5, PrecisionAtK.atOne(List.of("Paris", "Rome"), List.of("Paris", "Madrid")));
        assertEquals(1.0, PrecisionAtK.atK(List.of(List.of("Paris", "Lyon"), List.of("Rome", "Madrid")),
                List.of("Paris", "Madrid"), 2));
        PrecisionAtK.ByRelation byRelation = PrecisionAtK.meanOverRelations(List.of("P36", "P36", "P19"),
                List.of("Paris", "Bern", "Ulm"), List.of("Paris", "Rome", "Ulm"));
        // P36: 1/2, P19: 1/1 -> mean over relations 0.75 (the per-fact mean would be 2/3)
        assertEquals(0.5, byRelation.perRelation().get("P36"));
        assertEquals(0.75, byRelation.mean());
    }
}
