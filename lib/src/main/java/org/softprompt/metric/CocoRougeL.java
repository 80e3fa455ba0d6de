package org.softprompt.metric;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ROUGE-L as the MS-COCO caption evaluation code computes it (pycocoevalcap's {@code Rouge}, the ROUGE_L of the
 * E2E script), on text that is already tokenized.
 *
 * <p>Per segment: the LCS of the hypothesis with each reference gives precision LCS/|hyp| and recall LCS/|ref|;
 * the maximum precision and the maximum recall (possibly from different references) are combined as
 * F = (1 + beta^2) P R / (R + beta^2 P) with beta = 1.2. The corpus score is the mean over segments.
 * Tokens come from splitting on single spaces, as the original does, so an empty text is one empty token.
 */
public final class CocoRougeL {

    /**
     * @param score      mean of the segment scores
     * @param perSegment each segment's score, in input order
     */
    public record Result(double score, List<Double> perSegment) {
    }

    private static final double BETA = 1.2;

    private CocoRougeL() {
    }

    public static Result score(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("ROUGE-L needs at least one segment");
        }
        double[] scores = new double[hypotheses.size()];
        List<Double> perSegment = new ArrayList<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            scores[i] = segment(hypotheses.get(i), referencesPerHypothesis.get(i));
            perSegment.add(scores[i]);
        }
        return new Result(NumpySum.mean(scores), perSegment);
    }

    /** The score of one hypothesis against its references. */
    public static double segment(String hypothesis, List<String> references) {
        MetricInputs.requireText(hypothesis, "hypothesis");
        MetricInputs.requireReferences(references, "references");
        List<String> candidate = splitOnSpace(hypothesis);
        double maxPrecision = Double.NEGATIVE_INFINITY;
        double maxRecall = Double.NEGATIVE_INFINITY;
        for (String reference : references) {
            List<String> tokens = splitOnSpace(reference);
            int lcs = lcsLength(tokens, candidate);
            maxPrecision = Math.max(maxPrecision, lcs / (double) candidate.size());
            maxRecall = Math.max(maxRecall, lcs / (double) tokens.size());
        }
        if (maxPrecision != 0 && maxRecall != 0) {
            double betaSquared = Math.pow(BETA, 2);
            return ((1 + betaSquared) * maxPrecision * maxRecall) / (maxRecall + betaSquared * maxPrecision);
        }
        return 0.0;
    }

    /** Python's {@code s.split(" ")}: every single space separates, so empty tokens are possible. */
    private static List<String> splitOnSpace(String text) {
        return Arrays.asList(text.split(" ", -1));
    }

    private static int lcsLength(List<String> a, List<String> b) {
        int[] previous = new int[b.size() + 1];
        int[] current = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            for (int j = 1; j <= b.size(); j++) {
                current[j] = a.get(i - 1).equals(b.get(j - 1)) ? previous[j - 1] + 1
                        : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.size()];
    }
}
