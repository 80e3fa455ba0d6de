package org.softprompt.metric;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A BLEU result as sacrebleu reports it.
 *
 * @param score      BLEU on a 0-100 scale
 * @param counts     matched n-grams per order (clipped by the references' maximum counts)
 * @param totals     hypothesis n-grams per order
 * @param precisions n-gram precisions per order on a 0-100 scale, after smoothing
 * @param bp         brevity penalty
 * @param sysLen     hypothesis length in tokens
 * @param refLen     reference length in tokens (per segment the reference length closest to the hypothesis length,
 *                   the shorter one on a tie)
 * @param signature  sacrebleu's reproducibility signature of the configuration that was reproduced
 */
public record BleuScore(double score, List<Integer> counts, List<Integer> totals, List<Double> precisions,
                        double bp, int sysLen, int refLen, String signature) {

    public BleuScore {
        counts = List.copyOf(counts);
        totals = List.copyOf(totals);
        precisions = List.copyOf(precisions);
    }

    /** Hypothesis length over reference length (0 when there is no reference text). */
    public double ratio() {
        return refLen > 0 ? (double) sysLen / refLen : 0.0;
    }

    /** sacrebleu's one-line summary, e.g. {@code BLEU = 40.01 85.2/54.2/33.3/16.7 (BP = 1.000 ...)}. */
    public String formatted() {
        String precisionText = precisions.stream().map(p -> PythonText.fixed(p, 1)).collect(Collectors.joining("/"));
        return "BLEU = " + PythonText.fixed(score, 2) + " " + precisionText
                + " (BP = " + PythonText.fixed(bp, 3) + " ratio = " + PythonText.fixed(ratio(), 3)
                + " hyp_len = " + sysLen + " ref_len = " + refLen + ")";
    }

    @Override
    public String toString() {
        return formatted();
    }
}
