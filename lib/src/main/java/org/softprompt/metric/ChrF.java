package org.softprompt.metric;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * chrF and chrF++ exactly as sacrebleu 2.x computes them ({@code CHRF()} and {@code CHRF(word_order=2)}).
 *
 * <p>Character n-grams (orders 1..6) are taken after removing all whitespace; chrF++ adds word uni- and bigrams
 * after splitting a leading or trailing ASCII punctuation mark off each word. Per segment the reference giving the
 * best F-score is kept; corpus chrF sums the statistics of the kept references. Precision and recall are averaged
 * over the orders that have both hypothesis and reference n-grams ("effective order") before the F-beta
 * combination (beta = 2), and the result is on a 0-100 scale.
 *
 * <pre>{@code
 * double chrf = ChrF.chrF().corpusScore(hypotheses, referencesPerHypothesis).score();
 * double chrfpp = ChrF.chrFPlusPlus().sentenceScore(hypothesis, references).score();
 * }</pre>
 */
public final class ChrF {

    /**
     * A chrF result.
     *
     * @param score     chrF on a 0-100 scale
     * @param name      sacrebleu's name for the variant, e.g. {@code chrF2} or {@code chrF2++}
     * @param signature sacrebleu's reproducibility signature of the configuration that was reproduced
     */
    public record Score(double score, String name, String signature) {
    }

    private static final Set<Integer> ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".chars().boxed()
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final int charOrder;
    private final int wordOrder;
    private final int beta;
    private final boolean lowercase;
    private final boolean whitespace;
    private final boolean epsSmoothing;

    /**
     * @param charOrder    character n-gram order (sacrebleu: 6)
     * @param wordOrder    word n-gram order (0 for chrF, 2 for chrF++)
     * @param beta         recall weight (sacrebleu: 2)
     * @param lowercase    lower-case both sides first
     * @param whitespace   keep whitespace inside character n-grams
     * @param epsSmoothing average the per-order F-scores with chrF++.py's epsilon smoothing instead of the
     *                     effective-order averaging of precision and recall
     */
    public ChrF(int charOrder, int wordOrder, int beta, boolean lowercase, boolean whitespace, boolean epsSmoothing) {
        if (charOrder < 1 || wordOrder < 0 || beta < 0) {
            throw new IllegalArgumentException("chrF needs charOrder >= 1, wordOrder >= 0 and beta >= 0; got "
                    + charOrder + ", " + wordOrder + ", " + beta);
        }
        this.charOrder = charOrder;
        this.wordOrder = wordOrder;
        this.beta = beta;
        this.lowercase = lowercase;
        this.whitespace = whitespace;
        this.epsSmoothing = epsSmoothing;
    }

    /** sacrebleu's {@code CHRF()} defaults: character 6-grams, beta 2. */
    public static ChrF chrF() {
        return new ChrF(6, 0, 2, false, false, false);
    }

    /** sacrebleu's {@code CHRF(word_order=2)}: chrF plus word uni- and bigrams. */
    public static ChrF chrFPlusPlus() {
        return new ChrF(6, 2, 2, false, false, false);
    }

    /** Corpus-level chrF: per-segment statistics of the best reference, summed. */
    public Score corpusScore(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        long[] totals = new long[3 * order()];
        for (int i = 0; i < hypotheses.size(); i++) {
            long[] stats = segmentStatistics(hypotheses.get(i), referencesPerHypothesis.get(i));
            for (int k = 0; k < totals.length; k++) {
                totals[k] += stats[k];
            }
        }
        return new Score(fScore(totals), name(), signature(referencesPerHypothesis));
    }

    /** chrF of one hypothesis against its references (the best reference counts). */
    public Score sentenceScore(String hypothesis, List<String> references) {
        MetricInputs.requireText(hypothesis, "hypothesis");
        MetricInputs.requireReferences(references, "references");
        return new Score(fScore(segmentStatistics(hypothesis, references)), name(), signature(List.of(references)));
    }

    private int order() {
        return charOrder + wordOrder;
    }

    private String name() {
        return "chrF" + beta + "+".repeat(wordOrder);
    }

    private String signature(List<? extends List<String>> referencesPerHypothesis) {
        return "nrefs:" + Bleu.referenceCountLabel(referencesPerHypothesis) + "|case:" + (lowercase ? "lc" : "mixed")
                + "|eff:" + (epsSmoothing ? "no" : "yes") + "|nc:" + charOrder + "|nw:" + wordOrder + "|space:"
                + (whitespace ? "yes" : "no") + "|version:" + Bleu.SACREBLEU_VERSION;
    }

    /** [hyp, ref, match] counts for every order (characters first, then words) against the best reference. */
    private long[] segmentStatistics(String hypothesis, List<String> references) {
        List<Map<String, Integer>> hypothesisNgrams = ngrams(prepare(hypothesis));
        long[] best = null;
        double bestF = -1.0;
        for (String reference : references) {
            List<Map<String, Integer>> referenceNgrams = ngrams(prepare(reference));
            long[] stats = new long[3 * order()];
            for (int n = 0; n < order(); n++) {
                Map<String, Integer> hyp = hypothesisNgrams.get(n);
                Map<String, Integer> ref = referenceNgrams.get(n);
                long hypCount = 0;
                long matches = 0;
                for (Map.Entry<String, Integer> entry : hyp.entrySet()) {
                    hypCount += entry.getValue();
                    Integer refCount = ref.get(entry.getKey());
                    if (refCount != null) {
                        matches += Math.min(entry.getValue(), refCount);
                    }
                }
                long refCount = ref.values().stream().mapToLong(Integer::longValue).sum();
                // sacrebleu reports no hypothesis n-grams for an order the reference has none of
                stats[3 * n] = ref.isEmpty() ? 0 : hypCount;
                stats[3 * n + 1] = refCount;
                stats[3 * n + 2] = matches;
            }
            double f = fScore(stats);
            if (f > bestF) {
                bestF = f;
                best = stats;
            }
        }
        return best;
    }

    private String prepare(String text) {
        return lowercase ? PythonText.lower(text) : text;
    }

    private List<Map<String, Integer>> ngrams(String text) {
        List<Map<String, Integer>> all = new ArrayList<>();
        int[] chars = PythonText.codePoints(whitespace ? text : String.join("", PythonText.split(text)));
        for (int n = 1; n <= charOrder; n++) {
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i + n <= chars.length; i++) {
                counts.merge(PythonText.fromCodePoints(chars, i, i + n), 1, Integer::sum);
            }
            all.add(counts);
        }
        if (wordOrder > 0) {
            List<String> words = splitPunctuation(text);
            for (int n = 1; n <= wordOrder; n++) {
                all.add(new LinkedHashMap<>(NgramCounts.ofOrder(words, n)));
            }
        }
        return all;
    }

    /** chrF++'s word split: a one-character word stays; otherwise a trailing, else a leading, punctuation mark. */
    private static List<String> splitPunctuation(String text) {
        List<String> words = new ArrayList<>();
        for (String word : PythonText.split(text)) {
            int[] cps = PythonText.codePoints(word);
            if (cps.length == 1) {
                words.add(word);
            } else if (ASCII_PUNCTUATION.contains(cps[cps.length - 1])) {
                words.add(PythonText.fromCodePoints(cps, 0, cps.length - 1));
                words.add(PythonText.fromCodePoints(cps, cps.length - 1, cps.length));
            } else if (ASCII_PUNCTUATION.contains(cps[0])) {
                words.add(PythonText.fromCodePoints(cps, 0, 1));
                words.add(PythonText.fromCodePoints(cps, 1, cps.length));
            } else {
                words.add(word);
            }
        }
        return words;
    }

    private double fScore(long[] stats) {
        double eps = 1e-16;
        double factor = (double) beta * beta;
        double score = 0.0;
        int effectiveOrder = 0;
        double avgPrecision = 0.0;
        double avgRecall = 0.0;
        for (int n = 0; n < order(); n++) {
            long hyp = stats[3 * n];
            long ref = stats[3 * n + 1];
            long match = stats[3 * n + 2];
            double precision = hyp > 0 ? (double) match / hyp : eps;
            double recall = ref > 0 ? (double) match / ref : eps;
            double denominator = factor * precision + recall;
            score += denominator > 0 ? (1 + factor) * precision * recall / denominator : eps;
            if (hyp > 0 && ref > 0) {
                avgPrecision += precision;
                avgRecall += recall;
                effectiveOrder++;
            }
        }
        if (epsSmoothing) {
            return 100 * score / order();
        }
        if (effectiveOrder == 0) {
            avgPrecision = 0.0;
            avgRecall = 0.0;
        } else {
            avgPrecision /= effectiveOrder;
            avgRecall /= effectiveOrder;
        }
        if (avgPrecision + avgRecall != 0) {
            double f = (1 + factor) * avgPrecision * avgRecall;
            f /= (factor * avgPrecision) + avgRecall;
            return 100 * f;
        }
        return 0.0;
    }
}
