package org.softprompt.metric;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIDEr-D as the MS-COCO caption evaluation code computes it (pycocoevalcap's {@code Cider}, also bundled with
 * the E2E script), on text that is already tokenized (split on whitespace).
 *
 * <p>Each n-gram (n = 1..4) is weighted by tf-idf, with document frequencies counted over the references of all
 * segments of the corpus and idf = ln(#segments) - ln(df). Per reference, the cosine similarity of the tf-idf
 * vectors is computed with the hypothesis weights clipped by the reference's, multiplied by a Gaussian length
 * penalty exp(-delta^2 / 72); the four orders are averaged, then averaged over references and multiplied by 10.
 * Reproduced quirks: the length in the penalty is the number of bigrams (tokens - 1); a corpus of a single segment
 * always scores 0 (every idf is 0); the corpus score is the mean of the segment scores.
 */
public final class CiderD {

    /**
     * @param score      the corpus CIDEr-D: the mean of the segment scores
     * @param perSegment each segment's score, in input order
     */
    public record Result(double score, List<Double> perSegment) {
    }

    private static final int N = 4;
    private static final double SIGMA = 6.0;

    private CiderD() {
    }

    /** CIDEr-D of a corpus of pre-tokenized hypotheses and their references. */
    public static Result score(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("CIDEr-D needs at least one segment");
        }
        List<Map<String, Integer>> tests = new ArrayList<>();
        List<List<Map<String, Integer>>> refs = new ArrayList<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            tests.add(NgramCounts.allOrders(PythonText.split(hypotheses.get(i)), 1, N));
            List<Map<String, Integer>> segmentRefs = new ArrayList<>();
            for (String reference : referencesPerHypothesis.get(i)) {
                segmentRefs.add(NgramCounts.allOrders(PythonText.split(reference), 1, N));
            }
            refs.add(segmentRefs);
        }
        Map<String, Integer> documentFrequency = new HashMap<>();
        for (List<Map<String, Integer>> segmentRefs : refs) {
            Set<String> seen = new HashSet<>();
            segmentRefs.forEach(r -> seen.addAll(r.keySet()));
            seen.forEach(g -> documentFrequency.merge(g, 1, Integer::sum));
        }
        double referenceLength = Math.log((double) refs.size());

        double[] scores = new double[tests.size()];
        for (int s = 0; s < tests.size(); s++) {
            Vector hypothesis = vector(tests.get(s), documentFrequency, referenceLength);
            double[] sum = new double[N];
            for (Map<String, Integer> ref : refs.get(s)) {
                double[] similarity = similarity(hypothesis, vector(ref, documentFrequency, referenceLength));
                for (int n = 0; n < N; n++) {
                    sum[n] += similarity[n];
                }
            }
            double average = NumpySum.mean(sum);
            average /= refs.get(s).size();
            average *= 10.0;
            scores[s] = average;
        }
        List<Double> perSegment = new ArrayList<>();
        for (double score : scores) {
            perSegment.add(score);
        }
        return new Result(NumpySum.mean(scores), perSegment);
    }

    private record Vector(List<Map<String, Double>> weights, double[] norms, int length) {
    }

    private static Vector vector(Map<String, Integer> counts, Map<String, Integer> documentFrequency,
                                 double referenceLength) {
        List<Map<String, Double>> weights = new ArrayList<>();
        for (int n = 0; n < N; n++) {
            weights.add(new LinkedHashMap<>());
        }
        double[] norms = new double[N];
        int length = 0;
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            // an n-gram absent from all references gets df 1, i.e. idf ln(#segments)
            double df = Math.log(Math.max(1.0, documentFrequency.getOrDefault(entry.getKey(), 0)));
            int n = NgramCounts.order(entry.getKey()) - 1;
            double weight = entry.getValue() * (referenceLength - df);
            weights.get(n).put(entry.getKey(), weight);
            norms[n] += Math.pow(weight, 2);
            if (n == 1) {
                length += entry.getValue();
            }
        }
        for (int n = 0; n < N; n++) {
            norms[n] = Math.sqrt(norms[n]);
        }
        return new Vector(weights, norms, length);
    }

    private static double[] similarity(Vector hypothesis, Vector reference) {
        double delta = hypothesis.length - reference.length;
        double[] values = new double[N];
        for (int n = 0; n < N; n++) {
            Map<String, Double> referenceWeights = reference.weights.get(n);
            for (Map.Entry<String, Double> entry : hypothesis.weights.get(n).entrySet()) {
                double referenceWeight = referenceWeights.getOrDefault(entry.getKey(), 0.0);
                values[n] += Math.min(entry.getValue(), referenceWeight) * referenceWeight;
            }
            if (hypothesis.norms[n] != 0 && reference.norms[n] != 0) {
                values[n] /= hypothesis.norms[n] * reference.norms[n];
            }
            values[n] *= Math.pow(Math.E, -(delta * delta) / (2 * SIGMA * SIGMA));
        }
        return values;
    }
}
