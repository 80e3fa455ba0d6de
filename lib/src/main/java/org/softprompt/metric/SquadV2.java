package org.softprompt.metric;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * SQuAD v2.0 exact and F1 with unanswerable questions, as the official {@code evaluate-v2.0.py} computes them.
 *
 * <p>A question with no gold answer is unanswerable and its only correct prediction is the empty string; gold
 * answers that normalise to nothing are dropped (leaving none makes the question score like an unanswerable one,
 * though it still counts as HasAns). F1 is 1 when prediction and gold are both empty after normalisation. With
 * no-answer probabilities, a prediction whose probability exceeds the threshold is replaced by no-answer, and
 * the best achievable exact/F1 over all thresholds is reported with its threshold. All scores are percentages.
 */
public final class SquadV2 {

    /** Scores of a subset of the questions (all, answerable, unanswerable). */
    public record Subset(double exact, double f1, int total) {
    }

    /** The best score over no-answer thresholds and the threshold achieving it. */
    public record Best(double exact, double exactThreshold, double f1, double f1Threshold) {
    }

    /**
     * @param all       over all questions, after the no-answer threshold
     * @param hasAns    over answerable questions, or null if there are none
     * @param noAns     over unanswerable questions, or null if there are none
     * @param best      with no-answer probabilities only (else null)
     * @param rawExact  per question exact (0/1) before the threshold
     * @param rawF1     per question F1 before the threshold
     */
    public record Result(Subset all, Subset hasAns, Subset noAns, Best best, List<Double> rawExact,
                         List<Double> rawF1) {
    }

    private SquadV2() {
    }

    /** Evaluation without no-answer probabilities (every prediction is taken as given). */
    public static Result evaluate(List<String> predictions, List<? extends List<String>> goldAnswersPerQuestion) {
        return evaluate(predictions, goldAnswersPerQuestion, null, 1.0);
    }

    /**
     * @param predictions            one answer per question, "" for no answer (none may be missing: the official
     *                               script fails on a missing prediction)
     * @param goldAnswersPerQuestion gold answer texts per question; an empty list marks an unanswerable question
     * @param noAnswerProbabilities  per question probability of no answer, or null ({@code --na-prob-file})
     * @param threshold              no-answer probability threshold ({@code --na-prob-thresh}, default 1.0)
     */
    public static Result evaluate(List<String> predictions, List<? extends List<String>> goldAnswersPerQuestion,
                                  List<Double> noAnswerProbabilities, double threshold) {
        if (predictions == null || goldAnswersPerQuestion == null
                || predictions.size() != goldAnswersPerQuestion.size()) {
            throw new IllegalArgumentException("predictions and goldAnswersPerQuestion must be parallel lists");
        }
        int n = predictions.size();
        if (n == 0) {
            throw new IllegalArgumentException("SQuAD scores of no questions are undefined");
        }
        if (noAnswerProbabilities != null && noAnswerProbabilities.size() != n) {
            throw new IllegalArgumentException("noAnswerProbabilities has " + noAnswerProbabilities.size()
                    + " entries for " + n + " questions");
        }
        boolean[] hasAnswer = new boolean[n];
        double[] rawExact = new double[n];
        double[] rawF1 = new double[n];
        for (int i = 0; i < n; i++) {
            String prediction = predictions.get(i);
            List<String> golds = goldAnswersPerQuestion.get(i);
            if (prediction == null) {
                throw new IllegalArgumentException("predictions[" + i + "] is null; SQuAD v2.0 needs a prediction for "
                        + "every question (\"\" for no answer)");
            }
            if (golds == null) {
                throw new IllegalArgumentException("goldAnswersPerQuestion[" + i + "] is null; use an empty list for "
                        + "an unanswerable question");
            }
            hasAnswer[i] = !golds.isEmpty();
            List<String> kept = new ArrayList<>();
            for (String gold : golds) {
                if (!SquadAnswers.normalize(gold).isEmpty()) {
                    kept.add(gold);
                }
            }
            if (kept.isEmpty()) {
                kept.add("");
            }
            double exact = Double.NEGATIVE_INFINITY;
            double f1 = Double.NEGATIVE_INFINITY;
            for (String gold : kept) {
                exact = Math.max(exact, exact(gold, prediction));
                f1 = Math.max(f1, f1(gold, prediction));
            }
            rawExact[i] = exact;
            rawF1[i] = f1;
        }
        double[] probabilities = new double[n];
        for (int i = 0; i < n; i++) {
            probabilities[i] = noAnswerProbabilities == null ? 0.0 : noAnswerProbabilities.get(i);
        }
        double[] exactThresholded = applyThreshold(rawExact, probabilities, hasAnswer, threshold);
        double[] f1Thresholded = applyThreshold(rawF1, probabilities, hasAnswer, threshold);
        int[] everyone = IntStream.range(0, n).toArray();
        int[] answerable = IntStream.range(0, n).filter(i -> hasAnswer[i]).toArray();
        int[] unanswerable = IntStream.range(0, n).filter(i -> !hasAnswer[i]).toArray();
        Subset all = subset(exactThresholded, f1Thresholded, everyone);
        Subset hasAns = answerable.length > 0 ? subset(exactThresholded, f1Thresholded, answerable) : null;
        Subset noAns = unanswerable.length > 0 ? subset(exactThresholded, f1Thresholded, unanswerable) : null;
        Best best = null;
        if (noAnswerProbabilities != null) {
            double[] bestExact = bestThreshold(predictions, rawExact, probabilities, hasAnswer);
            double[] bestF1 = bestThreshold(predictions, rawF1, probabilities, hasAnswer);
            best = new Best(bestExact[0], bestExact[1], bestF1[0], bestF1[1]);
        }
        return new Result(all, hasAns, noAns, best, boxed(rawExact), boxed(rawF1));
    }

    /** v2.0's exact match: 1 or 0. */
    public static double exact(String gold, String prediction) {
        return SquadAnswers.normalize(gold).equals(SquadAnswers.normalize(prediction)) ? 1 : 0;
    }

    /** v2.0's token F1: when either side has no tokens, 1 if both have none, else 0. */
    public static double f1(String gold, String prediction) {
        List<String> goldTokens = gold.isEmpty() ? List.of() : SquadAnswers.tokens(gold);
        List<String> predictionTokens = prediction.isEmpty() ? List.of() : SquadAnswers.tokens(prediction);
        int same = SquadAnswers.overlap(goldTokens, predictionTokens);
        if (goldTokens.isEmpty() || predictionTokens.isEmpty()) {
            return goldTokens.equals(predictionTokens) ? 1 : 0;
        }
        return same == 0 ? 0 : SquadAnswers.f1(same, predictionTokens.size(), goldTokens.size());
    }

    private static double[] applyThreshold(double[] scores, double[] probabilities, boolean[] hasAnswer,
                                           double threshold) {
        double[] out = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            out[i] = probabilities[i] > threshold ? (hasAnswer[i] ? 0.0 : 1.0) : scores[i];
        }
        return out;
    }

    private static Subset subset(double[] exact, double[] f1, int[] indices) {
        double exactSum = 0;
        double f1Sum = 0;
        for (int i : indices) {
            exactSum += exact[i];
            f1Sum += f1[i];
        }
        return new Subset(100.0 * exactSum / indices.length, 100.0 * f1Sum / indices.length, indices.length);
    }

    /**
     * The script's {@code find_best_thresh}: walking questions by increasing no-answer probability, answering
     * one more each step; returns {best score in percent, threshold}.
     */
    private static double[] bestThreshold(List<String> predictions, double[] scores, double[] probabilities,
                                          boolean[] hasAnswer) {
        int unanswerable = 0;
        for (boolean has : hasAnswer) {
            unanswerable += has ? 0 : 1;
        }
        double current = unanswerable;
        double best = current;
        double bestThreshold = 0.0;
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingDouble(i -> probabilities[i])); // stable, as sorted()
        for (int i : order) {
            double difference;
            if (hasAnswer[i]) {
                difference = scores[i];
            } else {
                difference = predictions.get(i).isEmpty() ? 0 : -1;
            }
            current += difference;
            if (current > best) {
                best = current;
                bestThreshold = probabilities[i];
            }
        }
        return new double[] {100.0 * best / scores.length, bestThreshold};
    }

    private static List<Double> boxed(double[] values) {
        List<Double> list = new ArrayList<>();
        for (double v : values) {
            list.add(v);
        }
        return list;
    }
}
