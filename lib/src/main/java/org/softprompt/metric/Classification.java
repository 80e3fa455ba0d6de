package org.softprompt.metric;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Single-label classification scores: accuracy, and per-label, macro- and micro-averaged precision, recall and F1
 * with scikit-learn's conventions ({@code f1_score(average='macro'|'micro')} with the default
 * {@code zero_division}): the labels are those occurring in the gold or the predicted labels; a ratio with a zero
 * denominator is 0; the macro average is the unweighted mean of the per-label scores (macro F1 is the mean of the
 * per-label F1s, not the F1 of the mean precision and recall); micro scores come from the summed counts, so for
 * single-label data micro F1 equals accuracy.
 *
 * @param <L> the label type (compared with {@code equals})
 */
public final class Classification<L> {

    /** Precision, recall, F1 and support (gold count) of one label or an average. */
    public record Scores(double precision, double recall, double f1, int support) {
    }

    private final double accuracy;
    private final Map<L, Scores> perLabel;
    private final Scores macro;
    private final Scores micro;

    private Classification(double accuracy, Map<L, Scores> perLabel, Scores macro, Scores micro) {
        this.accuracy = accuracy;
        this.perLabel = perLabel;
        this.macro = macro;
        this.micro = micro;
    }

    /** Scores predicted labels against gold labels (parallel lists, no nulls). */
    public static <L> Classification<L> of(List<L> predicted, List<L> gold) {
        if (predicted == null || gold == null || predicted.size() != gold.size()) {
            throw new IllegalArgumentException("predicted and gold labels must be parallel lists; got "
                    + (predicted == null ? "null" : predicted.size()) + " and "
                    + (gold == null ? "null" : gold.size()));
        }
        if (gold.isEmpty()) {
            throw new IllegalArgumentException("classification scores of no examples are undefined");
        }
        Set<L> labels = new LinkedHashSet<>();
        for (int i = 0; i < gold.size(); i++) {
            labels.add(Objects.requireNonNull(gold.get(i), "gold label " + i + " is null"));
            labels.add(Objects.requireNonNull(predicted.get(i), "predicted label " + i + " is null"));
        }
        Map<L, int[]> counts = new LinkedHashMap<>(); // tp, fp, fn
        labels.forEach(label -> counts.put(label, new int[3]));
        int correct = 0;
        for (int i = 0; i < gold.size(); i++) {
            L g = gold.get(i);
            L p = predicted.get(i);
            if (g.equals(p)) {
                correct++;
                counts.get(g)[0]++;
            } else {
                counts.get(p)[1]++;
                counts.get(g)[2]++;
            }
        }
        Map<L, Scores> perLabel = new LinkedHashMap<>();
        double precisionSum = 0;
        double recallSum = 0;
        double f1Sum = 0;
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (Map.Entry<L, int[]> entry : counts.entrySet()) {
            int[] c = entry.getValue();
            Scores scores = scores(c[0], c[1], c[2]);
            perLabel.put(entry.getKey(), scores);
            precisionSum += scores.precision();
            recallSum += scores.recall();
            f1Sum += scores.f1();
            tp += c[0];
            fp += c[1];
            fn += c[2];
        }
        int n = labels.size();
        Scores macro = new Scores(precisionSum / n, recallSum / n, f1Sum / n, gold.size());
        Scores micro = scores(tp, fp, fn);
        return new Classification<>((double) correct / gold.size(), Collections.unmodifiableMap(perLabel), macro,
                micro);
    }

    private static Scores scores(int tp, int fp, int fn) {
        double precision = tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
        double f1 = 2 * tp + fp + fn == 0 ? 0.0 : 2.0 * tp / (2 * tp + fp + fn);
        return new Scores(precision, recall, f1, tp + fn);
    }

    /** Fraction of examples whose predicted label equals the gold label. */
    public double accuracy() {
        return accuracy;
    }

    /** Mean of the per-label F1 scores. */
    public double macroF1() {
        return macro.f1();
    }

    /** F1 of the summed counts (equal to accuracy for single-label data). */
    public double microF1() {
        return micro.f1();
    }

    public Scores macro() {
        return macro;
    }

    public Scores micro() {
        return micro;
    }

    /** Scores per label, in order of first appearance (gold before predicted at each example). */
    public Map<L, Scores> perLabel() {
        return perLabel;
    }
}
