package org.softprompt.metric;

import java.util.ArrayList;
import java.util.List;

/**
 * SQuAD v1.1 exact match and F1 as the official {@code evaluate-v1.1.py} computes them: per question the best score
 * over the gold answers (EM and F1 maximised independently), averaged over all questions and given in percent.
 * A question without a prediction ({@code null}) counts with score 0, as the script does for a missing id.
 */
public final class SquadV1 {

    /**
     * Per-question scores; both null when the prediction was missing.
     *
     * @param exactMatch whether the normalised prediction equals a normalised gold answer
     * @param f1         the best token F1 over the gold answers
     */
    public record Question(Boolean exactMatch, Double f1) {
    }

    /**
     * @param exactMatch  percentage of exact matches
     * @param f1          average F1 in percent
     * @param perQuestion scores in input order
     */
    public record Result(double exactMatch, double f1, List<Question> perQuestion) {
    }

    private SquadV1() {
    }

    /**
     * @param predictions          one answer per question; null where the system gave none
     * @param goldAnswersPerQuestion the gold answer texts of each question (at least one)
     */
    public static Result evaluate(List<String> predictions, List<? extends List<String>> goldAnswersPerQuestion) {
        if (predictions == null || goldAnswersPerQuestion == null
                || predictions.size() != goldAnswersPerQuestion.size()) {
            throw new IllegalArgumentException("predictions and goldAnswersPerQuestion must be parallel lists; got "
                    + (predictions == null ? "null" : predictions.size()) + " and "
                    + (goldAnswersPerQuestion == null ? "null" : goldAnswersPerQuestion.size()));
        }
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("SQuAD scores of no questions are undefined");
        }
        double exact = 0;
        double f1 = 0;
        List<Question> perQuestion = new ArrayList<>();
        for (int i = 0; i < predictions.size(); i++) {
            MetricInputs.requireReferences(goldAnswersPerQuestion.get(i), "goldAnswersPerQuestion[" + i + "]");
            String prediction = predictions.get(i);
            if (prediction == null) {
                perQuestion.add(new Question(null, null));
                continue;
            }
            boolean match = false;
            double bestF1 = Double.NEGATIVE_INFINITY;
            for (String gold : goldAnswersPerQuestion.get(i)) {
                match |= exactMatch(prediction, gold);
                bestF1 = Math.max(bestF1, f1(prediction, gold));
            }
            exact += match ? 1 : 0;
            f1 += bestF1;
            perQuestion.add(new Question(match, bestF1));
        }
        int total = predictions.size();
        return new Result(100.0 * exact / total, 100.0 * f1 / total, perQuestion);
    }

    public static boolean exactMatch(String prediction, String gold) {
        return SquadAnswers.normalize(prediction).equals(SquadAnswers.normalize(gold));
    }

    /** v1.1's token F1: 0 without overlap (even when both normalise to nothing). */
    public static double f1(String prediction, String gold) {
        List<String> predictionTokens = SquadAnswers.tokens(prediction);
        List<String> goldTokens = SquadAnswers.tokens(gold);
        int same = SquadAnswers.overlap(predictionTokens, goldTokens);
        return same == 0 ? 0 : SquadAnswers.f1(same, predictionTokens.size(), goldTokens.size());
    }
}
