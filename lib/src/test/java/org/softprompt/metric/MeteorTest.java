package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * METEOR (no paraphrases) on hand-computed cases. Parameters: alpha 0.85, beta 0.2, gamma 0.6, delta 0.75;
 * weights exact 1.0, stem 0.6, synonym 0.8. Function words here: the, on.
 */
class MeteorTest {

    private static final double ALPHA = 0.85;
    private static final double BETA = 0.2;
    private static final double GAMMA = 0.6;
    private static final double DELTA = 0.75;

    private static Meteor meteor;

    @BeforeAll
    static void createScorer() {
        meteor = new Meteor();
    }

    private static double fMean(double p, double r) {
        return p * r / (ALPHA * p + (1 - ALPHA) * r);
    }

    @Test
    void identicalSentencesScoreOne() {
        assertEquals(1.0, meteor.sentence("The cat sat on the mat.", List.of("the cat sat on the mat .")).score(),
                1e-12);
    }

    @Test
    void aPrefixOfTheReference() {
        // hyp: the(F) cat sat; ref: the(F) cat sat on(F) the(F) mat. "the" aligns to the first "the": one chunk.
        // P = (0.75*2 + 0.25*1) / (0.75*2 + 0.25*1) = 1
        // R = (0.75*2 + 0.25*1) / (0.75*3 + 0.25*3) = 1.75 / 3
        // frag = 1 chunk / ((3 + 3) / 2) = 1/3 ; penalty = 0.6 * (1/3)^0.2
        double p = 1.0;
        double r = 1.75 / 3.0;
        double expected = fMean(p, r) * (1 - GAMMA * Math.pow(1.0 / 3, BETA));
        Meteor.Score score = meteor.sentence("the cat sat", List.of("the cat sat on the mat"));
        assertEquals(p, score.precision(), 1e-12);
        assertEquals(r, score.recall(), 1e-12);
        assertEquals(1, score.statistics().chunks());
        assertEquals(expected, score.score(), 1e-12);
    }

    @Test
    void stemMatchesEarnSixTenths() {
        // cats ~ cat by the Snowball stem: exact content 1 (sat), exact function 1 (the), stem content 1 (cats)
        // P = R = (1.0 * (0.75 * 1 + 0.25 * 1) + 0.6 * 0.75 * 1) / (0.75 * 2 + 0.25 * 1) = 1.45 / 1.75
        // complete match in one chunk: no fragmentation penalty, score = Fmean = P
        Meteor.Score score = meteor.sentence("the cats sat", List.of("the cat sat"));
        assertEquals(1, score.statistics().referenceContentMatches()[Meteor.Module.STEM.ordinal()]);
        assertEquals(1.45 / 1.75, score.score(), 1e-12);
    }

    @Test
    void wordNetSynonymsEarnEightTenths() {
        // kid ~ child share a WordNet noun synset; stems differ
        // P = R = (1.0 * (0.75 + 0.25) + 0.8 * 0.75) / 1.75 = 1.6 / 1.75
        Meteor.Score score = meteor.sentence("the kid sat", List.of("the child sat"));
        assertEquals(1, score.statistics().referenceContentMatches()[Meteor.Module.SYNONYM.ordinal()]);
        assertEquals(1.6 / 1.75, score.score(), 1e-12);
    }

    @Test
    void reorderingCostsAFragmentationPenalty() {
        // hyp "sat the cat", ref "the cat sat": all exact, chunks {the cat} and {sat}: frag = 2 / 3
        Meteor.Score score = meteor.sentence("sat the cat", List.of("the cat sat"));
        assertEquals(2, score.statistics().chunks());
        assertEquals(1 - GAMMA * Math.pow(2.0 / 3, BETA), score.score(), 1e-12);
    }

    @Test
    void theBestReferenceCountsAndTheCorpusSumsStatistics() {
        Meteor.Score best = meteor.sentence("the cats sat", List.of("a dog ran", "the cat sat"));
        assertEquals(1.45 / 1.75, best.score(), 1e-12);

        // corpus of the prefix case and the stem case: summed statistics
        // hyp: 6 words, 2 function; matched exact content 3, exact function 2, stem content 1
        // ref: 9 words, 4 function; matched exact content 3, exact function 2, stem content 1; chunks 2
        // P = (0.75*3 + 0.25*2 + 0.6*0.75*1) / (0.75*4 + 0.25*2) = 3.2 / 3.5
        // R = 3.2 / (0.75*5 + 0.25*4) = 3.2 / 4.75 ; frag = 2 / ((6 + 6) / 2) = 1/3
        Meteor.Result corpus = meteor.corpus(List.of("the cat sat", "the cats sat"),
                List.of(List.of("the cat sat on the mat"), List.of("the cat sat")));
        double expected = fMean(3.2 / 3.5, 3.2 / 4.75) * (1 - GAMMA * Math.pow(1.0 / 3, BETA));
        assertEquals(expected, corpus.score(), 1e-12);
        assertEquals(1.45 / 1.75, corpus.perSegment().get(1), 1e-12);
    }

    @Test
    void noMatchOrAnEmptyHypothesisScoresZero() {
        assertEquals(0.0, meteor.sentence("completely unrelated", List.of("the cat sat")).score());
        assertEquals(0.0, meteor.sentence("", List.of("the cat sat")).score());
    }

    @Test
    void wordNetSynonymyIsMorphologyAware() {
        WordNetSynonyms wordNet = new WordNetSynonyms();
        assertTrue(wordNet.synonymous("kids", "child"), "kids -> kid shares a synset with child");
        assertFalse(wordNet.synonymous("cat", "table"));
    }

    @Test
    void labelSaysWhatIsMissing() {
        assertEquals("METEOR (no paraphrases)", Meteor.LABEL);
    }
}
