package org.softprompt.metric;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * BLEU exactly as sacrebleu 2.x computes it ({@code BLEU().corpus_score} and {@code sentence_bleu}).
 *
 * <p>Per segment the hypothesis n-grams (orders 1..4) are clipped by the maximum count of each n-gram over the
 * segment's references, and the reference length is the one closest to the hypothesis length (the shorter on a
 * tie). Corpus BLEU sums these statistics over segments before taking precisions and the brevity penalty.
 * The default smoothing is {@link Smoothing#EXP} (mteval's: the k-th zero-match order gets precision
 * 1/(2^k * total)); sentence BLEU also uses effective order (orders without any hypothesis n-gram are left out).
 *
 * <pre>{@code
 * BleuScore corpus = Bleu.corpus(hypotheses, referencesPerHypothesis);
 * BleuScore one = Bleu.sentence(hypothesis, references);
 * }</pre>
 */
public final class Bleu {

    /** sacrebleu's smoothing methods, with their default values. */
    public enum Smoothing {
        NONE("none", 0.0), FLOOR("floor", 0.1), ADD_K("add-k", 1.0), EXP("exp", 0.0);

        private final String signatureName;
        private final double defaultValue;

        Smoothing(String signatureName, double defaultValue) {
            this.signatureName = signatureName;
            this.defaultValue = defaultValue;
        }
    }

    /** The version of sacrebleu whose behaviour (and signature format) this class reproduces. */
    public static final String SACREBLEU_VERSION = "2.6.0";

    private static final int DEFAULT_MAX_ORDER = 4;

    private final Smoothing smoothing;
    private final Double smoothValue;
    private final boolean lowercase;
    private final boolean effectiveOrder;
    private final int maxOrder;
    private final String tokenizerName;
    private final UnaryOperator<String> tokenizer;

    private Bleu(Smoothing smoothing, Double smoothValue, boolean lowercase, boolean effectiveOrder, int maxOrder,
                 String tokenizerName, UnaryOperator<String> tokenizer) {
        this.smoothing = smoothing;
        this.smoothValue = smoothValue;
        this.lowercase = lowercase;
        this.effectiveOrder = effectiveOrder;
        this.maxOrder = maxOrder;
        this.tokenizerName = tokenizerName;
        this.tokenizer = tokenizer;
    }

    /** sacrebleu's {@code BLEU()} defaults: 13a tokenization, case-sensitive, exp smoothing, no effective order. */
    public static Bleu sacrebleuCorpusDefaults() {
        return new Bleu(Smoothing.EXP, null, false, false, DEFAULT_MAX_ORDER, "13a", new Tokenizer13a());
    }

    /** sacrebleu's {@code sentence_bleu} defaults: as the corpus defaults, but with effective order. */
    public static Bleu sacrebleuSentenceDefaults() {
        return sacrebleuCorpusDefaults().withEffectiveOrder(true);
    }

    /** Corpus BLEU with sacrebleu's defaults. */
    public static BleuScore corpus(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        return sacrebleuCorpusDefaults().corpusScore(hypotheses, referencesPerHypothesis);
    }

    /** Sentence BLEU with {@code sacrebleu.sentence_bleu}'s defaults (effective order on). */
    public static BleuScore sentence(String hypothesis, List<String> references) {
        return sacrebleuSentenceDefaults().sentenceScore(hypothesis, references);
    }

    public Bleu withSmoothing(Smoothing method) {
        return new Bleu(Objects.requireNonNull(method), null, lowercase, effectiveOrder, maxOrder, tokenizerName,
                tokenizer);
    }

    /** A smoothing method with a non-default value (the floor for FLOOR, k for ADD_K). */
    public Bleu withSmoothing(Smoothing method, double value) {
        return new Bleu(Objects.requireNonNull(method), value, lowercase, effectiveOrder, maxOrder, tokenizerName,
                tokenizer);
    }

    public Bleu withLowercase(boolean lowercaseInput) {
        return new Bleu(smoothing, smoothValue, lowercaseInput, effectiveOrder, maxOrder, tokenizerName, tokenizer);
    }

    public Bleu withEffectiveOrder(boolean useEffectiveOrder) {
        return new Bleu(smoothing, smoothValue, lowercase, useEffectiveOrder, maxOrder, tokenizerName, tokenizer);
    }

    public Bleu withMaxNgramOrder(int order) {
        if (order < 1) {
            throw new IllegalArgumentException("max n-gram order must be at least 1, got " + order);
        }
        return new Bleu(smoothing, smoothValue, lowercase, effectiveOrder, order, tokenizerName, tokenizer);
    }

    /** Another tokenizer, e.g. {@code ("none", UnaryOperator.identity())} for pre-tokenized text. */
    public Bleu withTokenizer(String name, UnaryOperator<String> tokenize) {
        return new Bleu(smoothing, smoothValue, lowercase, effectiveOrder, maxOrder, Objects.requireNonNull(name),
                Objects.requireNonNull(tokenize));
    }

    /** Corpus-level BLEU: statistics summed over all segments. */
    public BleuScore corpusScore(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        int[] correct = new int[maxOrder];
        int[] total = new int[maxOrder];
        int sysLen = 0;
        int refLen = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            SegmentStatistics stats = segmentStatistics(hypotheses.get(i), referencesPerHypothesis.get(i));
            sysLen += stats.hypothesisLength;
            refLen += stats.referenceLength;
            for (int n = 0; n < maxOrder; n++) {
                correct[n] += stats.correct[n];
                total[n] += stats.total[n];
            }
        }
        return compute(correct, total, sysLen, refLen, signature(referencesPerHypothesis));
    }

    /** BLEU of one hypothesis against its references. */
    public BleuScore sentenceScore(String hypothesis, List<String> references) {
        MetricInputs.requireText(hypothesis, "hypothesis");
        MetricInputs.requireReferences(references, "references");
        SegmentStatistics stats = segmentStatistics(hypothesis, references);
        return compute(stats.correct, stats.total, stats.hypothesisLength, stats.referenceLength,
                signature(List.of(references)));
    }

    private record SegmentStatistics(int hypothesisLength, int referenceLength, int[] correct, int[] total) {
    }

    private SegmentStatistics segmentStatistics(String hypothesis, List<String> references) {
        Map<String, Integer> maxReferenceCounts = new HashMap<>();
        List<Integer> referenceLengths = new ArrayList<>();
        for (String reference : references) {
            List<String> tokens = tokens(reference);
            referenceLengths.add(tokens.size());
            NgramCounts.allOrders(tokens, 1, maxOrder).forEach((ngram, count) -> maxReferenceCounts.merge(ngram,
                    count, Math::max));
        }
        List<String> hypothesisTokens = tokens(hypothesis);
        int hypothesisLength = hypothesisTokens.size();
        int closest = referenceLengths.get(0);
        for (int length : referenceLengths) {
            int distance = Math.abs(length - hypothesisLength);
            int best = Math.abs(closest - hypothesisLength);
            if (distance < best || (distance == best && length < closest)) {
                closest = length;
            }
        }
        int[] correct = new int[maxOrder];
        int[] total = new int[maxOrder];
        NgramCounts.allOrders(hypothesisTokens, 1, maxOrder).forEach((ngram, count) -> {
            int n = NgramCounts.order(ngram) - 1;
            total[n] += count;
            Integer referenceCount = maxReferenceCounts.get(ngram);
            if (referenceCount != null) {
                correct[n] += Math.min(count, referenceCount);
            }
        });
        return new SegmentStatistics(hypothesisLength, closest, correct, total);
    }

    private List<String> tokens(String text) {
        String prepared = lowercase ? PythonText.lower(text) : text;
        return PythonText.split(tokenizer.apply(prepared));
    }

    private BleuScore compute(int[] correctCounts, int[] totalCounts, int sysLen, int refLen, String signature) {
        double value = smoothValue != null ? smoothValue : smoothing.defaultValue;
        double bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1.0 - (double) refLen / sysLen) : 0.0) : 1.0;
        double[] precisions = new double[maxOrder];
        List<Integer> counts = Arrays.stream(correctCounts).boxed().toList();
        List<Integer> totals = Arrays.stream(totalCounts).boxed().toList();
        if (Arrays.stream(correctCounts).allMatch(c -> c == 0)) {
            return new BleuScore(0.0, counts, totals, boxed(precisions), bp, sysLen, refLen, signature);
        }
        double[] correct = Arrays.stream(correctCounts).asDoubleStream().toArray();
        double[] total = Arrays.stream(totalCounts).asDoubleStream().toArray();
        double smoothMteval = 1.0;
        int order = maxOrder;
        for (int n = 1; n <= maxOrder; n++) {
            if (smoothing == Smoothing.ADD_K && n > 1) {
                correct[n - 1] += value;
                total[n - 1] += value;
            }
            if (total[n - 1] == 0) {
                break;
            }
            if (effectiveOrder) {
                order = n;
            }
            if (correct[n - 1] == 0) {
                if (smoothing == Smoothing.EXP) {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * total[n - 1]);
                } else if (smoothing == Smoothing.FLOOR) {
                    precisions[n - 1] = 100.0 * value / total[n - 1];
                }
            } else {
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
            }
        }
        double logSum = 0.0;
        for (int n = 0; n < order; n++) {
            // sacrebleu's my_log: log(0) is taken as -9999999999, which makes the score 0
            logSum += precisions[n] == 0 ? -9999999999.0 : Math.log(precisions[n]);
        }
        double score = bp * Math.exp(logSum / order);
        return new BleuScore(score, counts, totals, boxed(precisions), bp, sysLen, refLen, signature);
    }

    private static List<Double> boxed(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private String signature(List<? extends List<String>> referencesPerHypothesis) {
        String smooth = smoothing.signatureName + (smoothValue != null ? "[" + PythonText.fixed(smoothValue, 2) + "]"
                : "");
        return "nrefs:" + referenceCountLabel(referencesPerHypothesis) + "|case:" + (lowercase ? "lc" : "mixed")
                + "|eff:" + (effectiveOrder ? "yes" : "no") + "|tok:" + tokenizerName + "|smooth:" + smooth
                + "|version:" + SACREBLEU_VERSION;
    }

    /** The number of references per segment, or {@code var} when it differs between segments (as sacrebleu). */
    static String referenceCountLabel(List<? extends List<String>> referencesPerHypothesis) {
        if (referencesPerHypothesis.isEmpty()) {
            return "0";
        }
        int first = referencesPerHypothesis.get(0).size();
        boolean same = referencesPerHypothesis.stream().allMatch(refs -> refs.size() == first);
        return same ? Integer.toString(first) : "var";
    }
}
