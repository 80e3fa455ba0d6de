package org.softprompt.metric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum exactly as Google's rouge-score computes them
 * ({@code RougeScorer(['rouge1','rouge2','rougeL','rougeLsum'], use_stemmer=...).score(target, prediction)}).
 *
 * <p>Text is lower-cased, every run of characters other than ASCII letters and digits becomes a separator (so
 * accented letters split words, as in rouge-score), and with stemming each token longer than three characters goes
 * through NLTK's Porter stemmer ({@link PorterStemmer}). ROUGE-N counts clipped n-gram overlaps; ROUGE-L uses the
 * longest common subsequence; ROUGE-Lsum splits both texts into sentences at newlines and takes the union LCS of
 * each reference sentence against all prediction sentences, without double counting tokens.
 *
 * <pre>{@code
 * Rouge rouge = new Rouge(true);
 * Rouge.Scores s = rouge.score("the reference summary", "the predicted summary");
 * double f = s.rougeL().fmeasure();
 * }</pre>
 */
public final class Rouge {

    /** Precision (overlap / prediction size), recall (overlap / target size) and their harmonic mean. */
    public record Score(double precision, double recall, double fmeasure) {

        static Score of(double precision, double recall) {
            return new Score(precision, recall, fmeasure(precision, recall));
        }

        private static double fmeasure(double precision, double recall) {
            return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        }
    }

    /** The four scores rouge-score reports for one prediction. */
    public record Scores(Score rouge1, Score rouge2, Score rougeL, Score rougeLsum) {
    }

    private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^a-z0-9]+");
    private static final Pattern VALID_TOKEN = Pattern.compile("^[a-z0-9]+$");

    private final boolean useStemmer;
    private final PorterStemmer stemmer = new PorterStemmer();

    /** @param useStemmer stem tokens longer than three characters with NLTK's Porter stemmer */
    public Rouge(boolean useStemmer) {
        this.useStemmer = useStemmer;
    }

    /** rouge-score's default tokenizer. */
    public List<String> tokenize(String text) {
        String lowered = PythonText.lower(text);
        String spaced = NON_ALPHANUMERIC.matcher(lowered).replaceAll(" ");
        List<String> tokens = new ArrayList<>();
        for (String token : spaced.split("\\s+", -1)) {
            String t = useStemmer && token.length() > 3 ? stemmer.stem(token) : token;
            if (VALID_TOKEN.matcher(t).matches()) {
                tokens.add(t);
            }
        }
        return tokens;
    }

    /** All four scores of one prediction against one target (rouge-score's {@code score(target, prediction)}). */
    public Scores score(String target, String prediction) {
        MetricInputs.requireText(target, "target");
        MetricInputs.requireText(prediction, "prediction");
        List<String> targetTokens = tokenize(target);
        List<String> predictionTokens = tokenize(prediction);
        return new Scores(
                rougeN(targetTokens, predictionTokens, 1),
                rougeN(targetTokens, predictionTokens, 2),
                lcsScore(targetTokens, predictionTokens),
                summaryLevelLcs(sentences(target), sentences(prediction)));
    }

    /**
     * Several targets: per score type the target with the highest F-measure (the first on a tie), as later
     * rouge-score versions' {@code score_multi} does. With one target this equals {@link #score}.
     */
    public Scores scoreMulti(List<String> targets, String prediction) {
        MetricInputs.requireReferences(targets, "targets");
        List<Scores> all = new ArrayList<>();
        for (String target : targets) {
            all.add(score(target, prediction));
        }
        return new Scores(best(all, Scores::rouge1), best(all, Scores::rouge2), best(all, Scores::rougeL),
                best(all, Scores::rougeLsum));
    }

    /** The plain mean of per-example scores (each example scored with {@link #scoreMulti}). */
    public Scores mean(List<String> predictions, List<? extends List<String>> targetsPerPrediction) {
        MetricInputs.requireParallel(predictions, targetsPerPrediction);
        List<Scores> all = new ArrayList<>();
        for (int i = 0; i < predictions.size(); i++) {
            all.add(scoreMulti(targetsPerPrediction.get(i), predictions.get(i)));
        }
        return mean(all);
    }

    /** The arithmetic mean of each precision, recall and F-measure (summed left to right, then divided). */
    public static Scores mean(List<Scores> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("cannot average an empty list of ROUGE scores");
        }
        return new Scores(meanOf(scores, Scores::rouge1), meanOf(scores, Scores::rouge2),
                meanOf(scores, Scores::rougeL), meanOf(scores, Scores::rougeLsum));
    }

    private static Score meanOf(List<Scores> scores, java.util.function.Function<Scores, Score> part) {
        double p = 0;
        double r = 0;
        double f = 0;
        for (Scores s : scores) {
            p += part.apply(s).precision();
            r += part.apply(s).recall();
            f += part.apply(s).fmeasure();
        }
        int n = scores.size();
        return new Score(p / n, r / n, f / n);
    }

    private static Score best(List<Scores> all, java.util.function.Function<Scores, Score> part) {
        Score best = part.apply(all.get(0));
        for (Scores s : all) {
            if (part.apply(s).fmeasure() > best.fmeasure()) {
                best = part.apply(s);
            }
        }
        return best;
    }

    /** ROUGE-N for any n >= 1 on already tokenized text. */
    public static Score rougeN(List<String> targetTokens, List<String> predictionTokens, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("ROUGE-N needs a positive n, got " + n);
        }
        Map<String, Integer> target = NgramCounts.ofOrder(targetTokens, n);
        Map<String, Integer> prediction = NgramCounts.ofOrder(predictionTokens, n);
        int overlap = 0;
        for (Map.Entry<String, Integer> e : target.entrySet()) {
            overlap += Math.min(e.getValue(), prediction.getOrDefault(e.getKey(), 0));
        }
        int targetCount = target.values().stream().mapToInt(Integer::intValue).sum();
        int predictionCount = prediction.values().stream().mapToInt(Integer::intValue).sum();
        double precision = (double) overlap / Math.max(predictionCount, 1);
        double recall = (double) overlap / Math.max(targetCount, 1);
        return Score.of(precision, recall);
    }

    private static Score lcsScore(List<String> target, List<String> prediction) {
        if (target.isEmpty() || prediction.isEmpty()) {
            return new Score(0, 0, 0);
        }
        int lcs = lcsTable(target, prediction)[target.size()][prediction.size()];
        return Score.of((double) lcs / prediction.size(), (double) lcs / target.size());
    }

    private List<List<String>> sentences(String text) {
        List<List<String>> sentences = new ArrayList<>();
        for (String sentence : text.split("\n", -1)) {
            if (!sentence.isEmpty()) {
                sentences.add(tokenize(sentence));
            }
        }
        return sentences;
    }

    private static Score summaryLevelLcs(List<List<String>> referenceSentences,
                                         List<List<String>> candidateSentences) {
        if (referenceSentences.isEmpty() || candidateSentences.isEmpty()) {
            return new Score(0, 0, 0);
        }
        int m = referenceSentences.stream().mapToInt(List::size).sum();
        int n = candidateSentences.stream().mapToInt(List::size).sum();
        if (m == 0 || n == 0) {
            return new Score(0, 0, 0);
        }
        Map<String, Integer> referenceCounts = new HashMap<>();
        Map<String, Integer> candidateCounts = new HashMap<>();
        referenceSentences.forEach(s -> s.forEach(t -> referenceCounts.merge(t, 1, Integer::sum)));
        candidateSentences.forEach(s -> s.forEach(t -> candidateCounts.merge(t, 1, Integer::sum)));
        int hits = 0;
        for (List<String> reference : referenceSentences) {
            // union of the LCS positions of this reference sentence against every candidate sentence
            TreeSet<Integer> union = new TreeSet<>();
            for (List<String> candidate : candidateSentences) {
                union.addAll(lcsIndices(reference, candidate));
            }
            for (int index : union) {
                String token = reference.get(index);
                // each token counts at most as often as it occurs on both sides (ROUGE 1.5.5's rule)
                if (candidateCounts.getOrDefault(token, 0) > 0 && referenceCounts.getOrDefault(token, 0) > 0) {
                    hits++;
                    candidateCounts.merge(token, -1, Integer::sum);
                    referenceCounts.merge(token, -1, Integer::sum);
                }
            }
        }
        return Score.of((double) hits / n, (double) hits / m);
    }

    private static int[][] lcsTable(List<String> reference, List<String> candidate) {
        int[][] table = new int[reference.size() + 1][candidate.size() + 1];
        for (int i = 1; i <= reference.size(); i++) {
            for (int j = 1; j <= candidate.size(); j++) {
                table[i][j] = reference.get(i - 1).equals(candidate.get(j - 1))
                        ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1]);
            }
        }
        return table;
    }

    /** Reference positions of one LCS, recovered the way rouge-score backtracks (prefer moving in the candidate). */
    private static List<Integer> lcsIndices(List<String> reference, List<String> candidate) {
        int[][] table = lcsTable(reference, candidate);
        List<Integer> indices = new ArrayList<>();
        int i = reference.size();
        int j = candidate.size();
        while (i > 0 && j > 0) {
            if (reference.get(i - 1).equals(candidate.get(j - 1))) {
                indices.add(i - 1);
                i--;
                j--;
            } else if (table[i][j - 1] > table[i - 1][j]) {
                j--;
            } else {
                i--;
            }
        }
        Collections.reverse(indices);
        return indices;
    }
}
