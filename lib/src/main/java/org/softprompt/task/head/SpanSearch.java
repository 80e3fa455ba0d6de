package org.softprompt.task.head;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Answer spans from start/end logits, as the official BERT code (run_squad.py, {@code write_predictions}) finds them.
 *
 * <p>For each feature (a window of the context): take the {@code nBest} highest start logits and the {@code nBest}
 * highest end logits; every pair with start and end on context tokens, the start at a token whose window gives it
 * maximal context, end >= start, and end - start + 1 <= maxAnswerLength is a candidate scored start + end logit.
 * Candidates of all features of an example are ranked together and the first {@code nBest} kept. (The official code
 * then also drops candidates whose answer text repeats a better one; that needs the text, so it is the caller's.)
 *
 * <p>SQuAD 2.0: the null score of a feature is start[0] + end[0] (the [CLS] logits); the example's null score is the
 * minimum over its features. With {@code scoreDiff = nullScore - best non-null score}, the prediction is "no answer"
 * when {@code scoreDiff > nullThreshold} (BERT's null_score_diff_threshold, 0 by default; tune it on dev data), and
 * also when no non-null candidate exists.
 */
public final class SpanSearch {
    private SpanSearch() {}

    /**
     * One window's logits.
     *
     * @param startLogits one per token
     * @param endLogits one per token
     * @param context true where a token may be part of an answer (context tokens; not the question, specials or
     *     padding)
     * @param maxContext true where this window gives the token its maximal context (BERT's token_is_max_context);
     *     with a single window, equal to {@code context}
     */
    public record Feature(float[] startLogits, float[] endLogits, boolean[] context, boolean[] maxContext) {
        public Feature {
            int n = startLogits.length;
            if (endLogits.length != n || context.length != n || maxContext.length != n) {
                throw new IllegalArgumentException("start logits, end logits, context and maxContext differ in "
                        + "length: " + n + ", " + endLogits.length + ", " + context.length + ", "
                        + maxContext.length);
            }
        }

        /** A feature whose context tokens all have maximal context (no document stride). */
        public static Feature of(float[] startLogits, float[] endLogits, boolean[] context) {
            return new Feature(startLogits, endLogits, context, context);
        }

        /** start[0] + end[0]: the score of "no answer". */
        public double nullScore() {
            return (double) startLogits[0] + endLogits[0];
        }
    }

    /** A span of tokens in one feature; {@code end} is inclusive as in the official code. */
    public record Candidate(int feature, int start, int end, double startLogit, double endLogit) {
        public double score() {
            return startLogit + endLogit;
        }

        public int length() {
            return end - start + 1;
        }
    }

    /**
     * What to answer.
     *
     * @param nBest the best non-null candidates, best first
     * @param answer the chosen span, or null for "no answer"
     * @param nullScore the minimum null score over the features (NaN unless no-answer handling was on)
     * @param scoreDiff nullScore - best non-null score (NaN without a non-null candidate or no-answer handling)
     */
    public record Prediction(List<Candidate> nBest, Candidate answer, double nullScore, double scoreDiff) {
        public boolean hasAnswer() {
            return answer != null;
        }
    }

    /** The best {@code nBest} valid spans over the features, best first. */
    public static List<Candidate> candidates(List<Feature> features, int nBest, int maxAnswerLength) {
        if (nBest < 1 || maxAnswerLength < 1) {
            throw new IllegalArgumentException("nBest and maxAnswerLength must be >= 1, got " + nBest + " and "
                    + maxAnswerLength);
        }
        List<Candidate> all = new ArrayList<>();
        for (int f = 0; f < features.size(); f++) {
            Feature feature = features.get(f);
            for (int start : topIndexes(feature.startLogits(), nBest)) {
                for (int end : topIndexes(feature.endLogits(), nBest)) {
                    if (!feature.context()[start] || !feature.context()[end] || !feature.maxContext()[start]
                            || end < start || end - start + 1 > maxAnswerLength) {
                        continue;
                    }
                    all.add(new Candidate(f, start, end, feature.startLogits()[start], feature.endLogits()[end]));
                }
            }
        }
        // A stable sort keeps the official order among equal scores (features, then start and end ranks).
        all.sort(Comparator.comparingDouble(Candidate::score).reversed());
        return List.copyOf(all.subList(0, Math.min(nBest, all.size())));
    }

    /** SQuAD 1.1: the best span, or none when no valid span exists. */
    public static Prediction predict(List<Feature> features, int nBest, int maxAnswerLength) {
        List<Candidate> best = candidates(features, nBest, maxAnswerLength);
        return new Prediction(best, best.isEmpty() ? null : best.get(0), Double.NaN, Double.NaN);
    }

    /** SQuAD 2.0: the best span unless the null score beats it by more than {@code nullThreshold}. */
    public static Prediction predictWithNoAnswer(List<Feature> features, int nBest, int maxAnswerLength,
                                                 double nullThreshold) {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("an example needs at least one feature");
        }
        double nullScore = Double.POSITIVE_INFINITY;
        for (Feature feature : features) {
            nullScore = Math.min(nullScore, feature.nullScore());
        }
        List<Candidate> best = candidates(features, nBest, maxAnswerLength);
        if (best.isEmpty()) {
            return new Prediction(best, null, nullScore, Double.NaN);
        }
        double scoreDiff = nullScore - best.get(0).score();
        return new Prediction(best, scoreDiff > nullThreshold ? null : best.get(0), nullScore, scoreDiff);
    }

    /** Indexes of the {@code n} largest values, largest first (ties: the lower index first, as a stable sort). */
    static List<Integer> topIndexes(float[] values, int n) {
        List<Integer> indexes = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            indexes.add(i);
        }
        indexes.sort(Comparator.comparingDouble((Integer i) -> values[i]).reversed());
        return indexes.subList(0, Math.min(n, indexes.size()));
    }
}
