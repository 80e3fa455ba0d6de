package org.softprompt.metric;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NIST as NLTK 3.8 computes it ({@code nltk.translate.nist_score.corpus_nist} / {@code sentence_nist}), a second
 * opinion next to {@link Mteval}, which is the official NIST used by the E2E tables.
 *
 * <p>Input is taken as already tokenized: each string is split on whitespace and nothing else is done (no
 * lower-casing). The information weights equal mteval's, and on single-reference data the two agree. They differ with
 * several references: NLTK scores each hypothesis against the single reference with the best n-gram precision,
 * chosen per order (ties broken by the longer reference), and its length penalty uses those references' lengths
 * instead of the average reference length.
 *
 * <p>Where NLTK divides by zero (no hypothesis n-gram of some order up to n in the corpus, or an empty hypothesis
 * at sentence level) this class throws an {@link ArithmeticException}, as NLTK raises ZeroDivisionError.
 */
public final class NltkNist {

    private NltkNist() {
    }

    /** {@code corpus_nist(list_of_references, hypotheses, n)}. */
    public static double corpus(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis,
                                int n) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        if (n < 1) {
            throw new IllegalArgumentException("NIST needs n >= 1, got " + n);
        }
        List<List<String>> hyps = new ArrayList<>();
        List<List<List<String>>> refs = new ArrayList<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            hyps.add(PythonText.split(hypotheses.get(i)));
            List<List<String>> segmentRefs = new ArrayList<>();
            for (String reference : referencesPerHypothesis.get(i)) {
                segmentRefs.add(PythonText.split(reference));
            }
            refs.add(segmentRefs);
        }

        Map<String, Integer> frequencies = new LinkedHashMap<>();
        long totalReferenceWords = 0;
        for (List<List<String>> segmentRefs : refs) {
            for (List<String> ref : segmentRefs) {
                NgramCounts.allOrders(ref, 1, n).forEach((g, c) -> frequencies.merge(g, c, Integer::sum));
                totalReferenceWords += ref.size();
            }
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        double log2 = Math.log(2);
        for (Map.Entry<String, Integer> entry : frequencies.entrySet()) {
            String ngram = entry.getKey();
            int lastSpace = ngram.lastIndexOf(' ');
            double numerator = lastSpace >= 0 ? frequencies.get(ngram.substring(0, lastSpace)) : totalReferenceWords;
            weights.put(ngram, Math.log(numerator / entry.getValue()) / log2);
        }

        double[] numerators = new double[n + 1];
        long[] denominators = new long[n + 1];
        long referenceLength = 0;
        long hypothesisLength = 0;
        for (int order = 1; order <= n; order++) {
            for (int s = 0; s < hyps.size(); s++) {
                List<String> hyp = hyps.get(s);
                Map<String, Integer> hypNgrams = NgramCounts.ofOrder(hyp, order);
                long denominator = hypNgrams.values().stream().mapToLong(Integer::longValue).sum();
                double bestPrecision = 0;
                double bestNumerator = 0;
                int bestLength = -1;
                for (List<String> ref : refs.get(s)) {
                    Map<String, Integer> refNgrams = NgramCounts.ofOrder(ref, order);
                    double numerator = 0;
                    for (Map.Entry<String, Integer> e : hypNgrams.entrySet()) {
                        int overlap = Math.min(e.getValue(), refNgrams.getOrDefault(e.getKey(), 0));
                        if (overlap > 0) {
                            numerator += weights.get(e.getKey()) * overlap;
                        }
                    }
                    double precision = denominator == 0 ? 0 : numerator / denominator;
                    // Python's max() over (precision, numerator, denominator, ref_len) tuples
                    if (bestLength < 0 || precision > bestPrecision
                            || (precision == bestPrecision && (numerator > bestNumerator
                            || (numerator == bestNumerator && ref.size() > bestLength)))) {
                        bestPrecision = precision;
                        bestNumerator = numerator;
                        bestLength = ref.size();
                    }
                }
                numerators[order] += bestNumerator;
                denominators[order] += denominator;
                referenceLength += bestLength;
                hypothesisLength += hyp.size();
            }
        }
        double precisionSum = 0;
        for (int order = 1; order <= n; order++) {
            if (denominators[order] == 0) {
                throw new ArithmeticException("NLTK NIST divides by zero: no hypothesis has an n-gram of order "
                        + order + " (n = " + n + ")");
            }
            precisionSum += numerators[order] / denominators[order];
        }
        return precisionSum * lengthPenalty(referenceLength, hypothesisLength);
    }

    /** {@code sentence_nist(references, hypothesis, n)}: the corpus score of a one-segment corpus. */
    public static double sentence(String hypothesis, List<String> references, int n) {
        return corpus(List.of(hypothesis), List.of(references), n);
    }

    private static double lengthPenalty(long referenceLength, long hypothesisLength) {
        if (referenceLength == 0) {
            throw new ArithmeticException("NLTK NIST divides by zero: the chosen references have no words");
        }
        double ratio = (double) hypothesisLength / referenceLength;
        if (0 < ratio && ratio < 1) {
            double ratioX = 1.5;
            double scoreX = 0.5;
            double beta = Math.log(scoreX) / Math.pow(Math.log(ratioX), 2);
            return Math.exp(beta * Math.pow(Math.log(ratio), 2));
        }
        return Math.max(Math.min(ratio, 1.0), 0.0);
    }
}
