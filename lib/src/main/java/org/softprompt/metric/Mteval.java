package org.softprompt.metric;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU and NIST as the E2E NLG Challenge's evaluation script reports them: NIST's mteval-v13a Perl script in
 * the copy shipped with e2e-metrics ({@code mteval-v13a-sig.pl}), run with the defaults that script uses
 * (lower-cased input, closest-reference brevity penalty, smoothed BLEU).
 *
 * <p>Both scores come from one pass over the corpus:
 * <ul>
 *   <li>BLEU (0-1 scale): clipped n-gram matches of orders 1..4 summed over segments; mteval's smoothing gives the
 *       k-th order without matches the precision 1/(2^k * total); the brevity penalty uses, per segment, the
 *       reference length closest to the hypothesis length (the shorter on a tie).</li>
 *   <li>NIST (n = 5): each matched n-gram earns its information weight
 *       {@code log2(count(w1..wn-1) / count(w1..wn))}, counted over all references of the corpus; the average
 *       information per hypothesis n-gram is summed over orders and multiplied by a length penalty
 *       {@code exp(-beta * ln(ratio)^2)} (0.5 at ratio 2/3) where ratio is the hypothesis length over the
 *       average reference length.</li>
 * </ul>
 * References are grouped per hypothesis and their number may vary: the e2e-metrics script pads missing ones with
 * empty segments, which contribute no words, and averages the reference length over the non-empty references.
 * A Perl quirk is reproduced too: an n-gram whose prefix is the single token {@code 0} is weighted against the
 * total reference word count, because Perl treats the string "0" as false.
 */
public final class Mteval {

    /**
     * The scores and the statistics behind them.
     *
     * @param bleu              BLEU on a 0-1 scale (mteval prints it with 4 decimals)
     * @param nist              NIST with n-grams up to 5
     * @param bleuPrecisions    smoothed n-gram precisions of orders 1..4
     * @param brevityPenalty    BLEU's brevity penalty
     * @param nistLengthPenalty NIST's length penalty
     * @param nistInformation   average information per hypothesis n-gram, orders 1..5 (NIST = their sum times the
     *                          length penalty)
     * @param matches           clipped matched n-grams, orders 1..5
     * @param hypothesisNgrams  hypothesis n-grams, orders 1..5
     * @param hypothesisLength  hypothesis words
     * @param referenceLength   BLEU's effective reference length
     * @param averageReferences average number of (non-empty) references per segment, NIST's divisor
     */
    public record Result(double bleu, double nist, List<Double> bleuPrecisions, double brevityPenalty,
                         double nistLengthPenalty, List<Double> nistInformation, List<Integer> matches,
                         List<Integer> hypothesisNgrams, int hypothesisLength, int referenceLength,
                         double averageReferences) {
    }

    private static final int MAX_NGRAM = 9;
    private static final int BLEU_ORDER = 4;
    private static final int NIST_ORDER = 5;

    private final MtevalTokenizer tokenizer;

    /** @param preserveCase mteval's {@code -c}; the E2E script lower-cases (false) */
    public Mteval(boolean preserveCase) {
        this.tokenizer = new MtevalTokenizer(preserveCase);
    }

    /** BLEU and NIST as the E2E script computes them (lower-cased). */
    public static Result e2e(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        return new Mteval(false).score(hypotheses, referencesPerHypothesis);
    }

    public Result score(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        List<List<String>> hypothesisWords = new ArrayList<>();
        List<List<List<String>>> referenceWords = new ArrayList<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            hypothesisWords.add(words(hypotheses.get(i)));
            List<List<String>> refs = new ArrayList<>();
            for (String reference : referencesPerHypothesis.get(i)) {
                refs.add(words(reference));
            }
            referenceWords.add(refs);
        }
        if (referenceWords.stream().allMatch(refs -> refs.stream().allMatch(List::isEmpty))) {
            // mteval itself dies with a division by zero here
            throw new IllegalArgumentException("every reference is empty after tokenization; BLEU and NIST need "
                    + "reference words");
        }
        Map<String, Double> information = informationWeights(referenceWords);

        int[] match = new int[MAX_NGRAM + 1];
        int[] hypCount = new int[MAX_NGRAM + 1];
        int[] refCount = new int[MAX_NGRAM + 1];
        double[] hypInfo = new double[MAX_NGRAM + 1];
        long referenceLength = 0;
        long nonEmptyReferences = 0;
        for (int s = 0; s < hypothesisWords.size(); s++) {
            List<String> hyp = hypothesisWords.get(s);
            Map<String, Integer> maxRefCounts = new HashMap<>();
            Integer segmentRefLength = null;
            for (List<String> ref : referenceWords.get(s)) {
                if (!ref.isEmpty()) {
                    nonEmptyReferences++;
                }
                NgramCounts.allOrders(ref, 1, MAX_NGRAM)
                        .forEach((ngram, count) -> maxRefCounts.merge(ngram, count, Math::max));
                for (int j = 1; j <= MAX_NGRAM; j++) {
                    refCount[j] += j <= ref.size() ? ref.size() - j + 1 : 0;
                }
                segmentRefLength = segmentRefLength == null ? ref.size()
                        : closestLength(segmentRefLength, ref.size(), hyp.size());
            }
            referenceLength += segmentRefLength;
            for (int j = 1; j <= MAX_NGRAM; j++) {
                hypCount[j] += j <= hyp.size() ? hyp.size() - j + 1 : 0;
            }
            double[] segmentInfo = new double[MAX_NGRAM + 1];
            NgramCounts.allOrders(hyp, 1, MAX_NGRAM).forEach((ngram, count) -> {
                Integer refMax = maxRefCounts.get(ngram);
                if (refMax != null) {
                    int n = NgramCounts.order(ngram);
                    int clipped = Math.min(count, refMax);
                    segmentInfo[n] += information.get(ngram) * clipped;
                    match[n] += clipped;
                }
            });
            for (int j = 1; j <= MAX_NGRAM; j++) {
                hypInfo[j] += segmentInfo[j];
            }
        }
        double averageReferences = (double) nonEmptyReferences / hypothesisWords.size();
        return result(match, hypCount, refCount, hypInfo, (int) referenceLength, averageReferences);
    }

    private List<String> words(String text) {
        String tokenized = tokenizer.apply(text);
        return tokenized.isEmpty() ? List.of() : Arrays.asList(tokenized.split(" "));
    }

    /** Information weight of every reference n-gram (orders 1..9), over all references of the corpus. */
    private static Map<String, Double> informationWeights(List<List<List<String>>> referenceWords) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        long totalWords = 0;
        for (List<List<String>> refs : referenceWords) {
            for (List<String> ref : refs) {
                totalWords += ref.size();
                NgramCounts.allOrders(ref, 1, MAX_NGRAM).forEach((ngram, count) -> counts.merge(ngram, count,
                        Integer::sum));
            }
        }
        Map<String, Double> information = new HashMap<>();
        double log2 = Math.log(2);
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            String ngram = entry.getKey();
            int lastSpace = ngram.lastIndexOf(' ');
            String prefix = lastSpace < 0 ? "" : ngram.substring(0, lastSpace);
            // Perl's truth test: both "" and "0" are false, so either falls back to the total word count
            boolean prefixTrue = !prefix.isEmpty() && !prefix.equals("0");
            double denominator = prefixTrue ? counts.get(prefix) : totalWords;
            information.put(ngram, -Math.log(entry.getValue() / denominator) / log2);
        }
        return information;
    }

    /** mteval's {@code brevity_penalty_closest}: closest length, the shorter on a tie; empty references skipped. */
    private static int closestLength(int current, int referenceLength, int candidateLength) {
        if (referenceLength == 0) {
            return current;
        }
        int referenceDistance = Math.abs(candidateLength - referenceLength);
        int currentDistance = Math.abs(candidateLength - current);
        if (referenceDistance < currentDistance) {
            return referenceLength;
        }
        if (referenceDistance == currentDistance && current > referenceLength) {
            return referenceLength;
        }
        return current;
    }

    private static Result result(int[] match, int[] hypCount, int[] refCount, double[] hypInfo, int referenceLength,
                                 double averageReferences) {
        // BLEU (mteval's bleu_score, smoothed)
        double lengthScore = hypCount[1] > 0 ? Math.exp(Math.min(0, 1 - (double) referenceLength / hypCount[1])) : 0;
        double logSum = 0;
        double smooth = 1;
        List<Double> precisions = new ArrayList<>();
        for (int j = 1; j <= BLEU_ORDER; j++) {
            double logPrecision;
            if (hypCount[j] == 0) {
                logPrecision = 0;
            } else if (match[j] == 0) {
                smooth *= 2;
                logPrecision = Math.log(1 / (smooth * hypCount[j]));
            } else {
                logPrecision = Math.log((double) match[j] / hypCount[j]);
            }
            precisions.add(Math.exp(logPrecision));
            logSum += logPrecision;
        }
        double bleu = Math.exp(logSum / BLEU_ORDER) * lengthScore;

        // NIST (mteval's nist_score with n = 5)
        double lengthPenalty = nistLengthPenalty(hypCount[1] / (refCount[1] / averageReferences));
        double informationSum = 0;
        List<Double> information = new ArrayList<>();
        List<Integer> matches = new ArrayList<>();
        List<Integer> totals = new ArrayList<>();
        for (int n = 1; n <= NIST_ORDER; n++) {
            double average = hypInfo[n] / Math.max(hypCount[n], 1);
            information.add(average);
            informationSum += average;
            matches.add(match[n]);
            totals.add(hypCount[n]);
        }
        double nist = informationSum * lengthPenalty;
        return new Result(bleu, nist, precisions, lengthScore, lengthPenalty, information, matches, totals,
                hypCount[1], referenceLength, averageReferences);
    }

    private static double nistLengthPenalty(double ratio) {
        if (ratio >= 1) {
            return 1;
        }
        if (ratio <= 0) {
            return 0;
        }
        double ratioX = 1.5;
        double scoreX = 0.5;
        double beta = -Math.log(scoreX) / Math.log(ratioX) / Math.log(ratioX);
        return Math.exp(-beta * Math.log(ratio) * Math.log(ratio));
    }
}
