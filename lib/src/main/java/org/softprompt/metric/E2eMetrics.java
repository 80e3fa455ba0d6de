package org.softprompt.metric;

import java.util.ArrayList;
import java.util.List;

/**
 * The E2E NLG Challenge evaluation ({@code measure_scores.py} of e2e-metrics) without METEOR: BLEU and NIST from
 * mteval-v13a on the raw text ({@link Mteval}), ROUGE_L and CIDEr(-D) from the MS-COCO caption code on
 * PTB-tokenized, lower-cased text without punctuation ({@link PtbTokenizer}, {@link CocoRougeL}, {@link CiderD}).
 *
 * <p>The official METEOR needs the METEOR 1.5 jar and its paraphrase table, which this project does not have; see
 * {@link Meteor} for a METEOR without the paraphrase module, to be reported under its own name.
 */
public final class E2eMetrics {

    /**
     * The four scores as the script prints them (BLEU 0-1, NIST, ROUGE_L 0-1, CIDEr 0-10) and the parts behind them.
     *
     * @param tokenizedHypotheses the PTB-tokenized hypotheses that ROUGE_L and CIDEr scored
     * @param tokenizedReferences the PTB-tokenized references, grouped per hypothesis
     */
    public record Result(double bleu, double nist, double rougeL, double cider, Mteval.Result mteval,
                         CocoRougeL.Result rougeLDetails, CiderD.Result ciderDetails,
                         List<String> tokenizedHypotheses, List<List<String>> tokenizedReferences) {

        /**
         * METEOR without paraphrases on the same PTB-tokenized text that the COCO code would give METEOR 1.5.
         * Report it as {@value Meteor#LABEL}, not as the E2E METEOR.
         */
        public Meteor.Result meteorWithoutParaphrases(Meteor meteor) {
            return meteor.corpus(tokenizedHypotheses, tokenizedReferences);
        }

        /** The block {@code measure_scores.py} prints (without its METEOR line, which needs METEOR 1.5). */
        public String printed() {
            return "SCORES:\n==============\n"
                    + "BLEU: " + PythonText.fixed(bleu, 4) + "\n"
                    + "NIST: " + PythonText.fixed(nist, 4) + "\n"
                    + "ROUGE_L: " + PythonText.fixed(rougeL, 4) + "\n"
                    + "CIDEr: " + PythonText.fixed(cider, 4) + "\n\n";
        }
    }

    private E2eMetrics() {
    }

    /** Scores system outputs against their references (grouped per output, as many per output as there are). */
    public static Result score(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        Mteval.Result mteval = Mteval.e2e(hypotheses, referencesPerHypothesis);

        // pycocoevalcap tokenizes all outputs as one text and all references as another, one caption per line
        PtbTokenizer tokenizer = new PtbTokenizer();
        List<String> tokenizedHypotheses = join(tokenizer.tokenizeAll(hypotheses));
        List<String> flatReferences = new ArrayList<>();
        referencesPerHypothesis.forEach(flatReferences::addAll);
        List<String> flatTokenized = join(tokenizer.tokenizeAll(flatReferences));
        List<List<String>> tokenizedReferences = new ArrayList<>();
        int next = 0;
        for (List<String> references : referencesPerHypothesis) {
            tokenizedReferences.add(List.copyOf(flatTokenized.subList(next, next + references.size())));
            next += references.size();
        }

        CocoRougeL.Result rouge = CocoRougeL.score(tokenizedHypotheses, tokenizedReferences);
        CiderD.Result cider = CiderD.score(tokenizedHypotheses, tokenizedReferences);
        return new Result(mteval.bleu(), mteval.nist(), rouge.score(), cider.score(), mteval, rouge, cider,
                List.copyOf(tokenizedHypotheses), List.copyOf(tokenizedReferences));
    }

    private static List<String> join(List<List<String>> tokens) {
        List<String> texts = new ArrayList<>();
        tokens.forEach(t -> texts.add(String.join(" ", t)));
        return texts;
    }
}
