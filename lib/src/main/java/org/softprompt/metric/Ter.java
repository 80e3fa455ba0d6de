package org.softprompt.metric;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Translation Edit Rate exactly as sacrebleu 2.x computes it ({@code TER()} defaults: case-insensitive, no
 * normalisation, punctuation kept): the number of word edits (insertions, deletions, substitutions, and shifts of
 * word blocks) needed to turn the hypothesis into the closest reference, over the average reference length.
 *
 * <p>Shifts follow sacrebleu's Tercom re-implementation: greedy, at most 10 words, at most 50 positions away, a
 * Levenshtein beam of 25 around the length-scaled diagonal, and at most 1000 shift candidates per sentence.
 * With several references the edits come from the reference needing fewest edits while the length is the average
 * over all of the segment's references; corpus TER sums both over segments.
 */
public final class Ter {

    /**
     * A TER result.
     *
     * @param score     100 * numEdits / refLength (100 when there is no reference word but some hypothesis word)
     * @param numEdits  total edits (shifts counted once each)
     * @param refLength summed per-segment average reference length
     * @param signature sacrebleu's reproducibility signature of the configuration that was reproduced
     */
    public record Score(double score, int numEdits, double refLength, String signature) {
    }

    private static final int MAX_SHIFT_SIZE = 10;
    private static final int MAX_SHIFT_DIST = 50;
    private static final int BEAM_WIDTH = 25;
    private static final int MAX_SHIFT_CANDIDATES = 1000;
    private static final long INFINITY = 10_000_000_000_000_000L;

    private static final char OP_INS = 'i';
    private static final char OP_DEL = 'd';
    private static final char OP_NOP = ' ';
    private static final char OP_SUB = 's';
    private static final char OP_UNDEF = 'x';

    private final boolean caseSensitive;

    /** @param caseSensitive false (sacrebleu's default) lower-cases both sides first */
    public Ter(boolean caseSensitive) {
        this.caseSensitive = caseSensitive;
    }

    /** sacrebleu's {@code TER()} defaults. */
    public static Ter sacrebleuDefaults() {
        return new Ter(false);
    }

    public static Score corpus(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        return sacrebleuDefaults().corpusScore(hypotheses, referencesPerHypothesis);
    }

    public static Score sentence(String hypothesis, List<String> references) {
        return sacrebleuDefaults().sentenceScore(hypothesis, references);
    }

    public Score corpusScore(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        MetricInputs.requireParallel(hypotheses, referencesPerHypothesis);
        int edits = 0;
        double refLength = 0.0;
        for (int i = 0; i < hypotheses.size(); i++) {
            double[] stats = segmentStatistics(hypotheses.get(i), referencesPerHypothesis.get(i));
            edits += (int) stats[0];
            refLength += stats[1];
        }
        return score(edits, refLength, referencesPerHypothesis);
    }

    public Score sentenceScore(String hypothesis, List<String> references) {
        MetricInputs.requireText(hypothesis, "hypothesis");
        MetricInputs.requireReferences(references, "references");
        double[] stats = segmentStatistics(hypothesis, references);
        return score((int) stats[0], stats[1], List.of(references));
    }

    private Score score(int edits, double refLength, List<? extends List<String>> referencesPerHypothesis) {
        double ratio;
        if (refLength > 0) {
            ratio = edits / refLength;
        } else {
            ratio = edits > 0 ? 1.0 : 0.0;
        }
        String signature = "nrefs:" + Bleu.referenceCountLabel(referencesPerHypothesis) + "|case:"
                + (caseSensitive ? "mixed" : "lc") + "|tok:tercom|norm:no|punct:yes|asian:no|version:"
                + Bleu.SACREBLEU_VERSION;
        return new Score(100 * ratio, edits, refLength, signature);
    }

    private List<String> words(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        return PythonText.split(caseSensitive ? text : PythonText.lower(text));
    }

    private double[] segmentStatistics(String hypothesis, List<String> references) {
        List<String> hypothesisWords = words(hypothesis);
        long best = Long.MAX_VALUE;
        double lengths = 0;
        for (String reference : references) {
            List<String> referenceWords = words(reference);
            int[] result = translationEditRate(hypothesisWords, referenceWords);
            lengths += result[1];
            best = Math.min(best, result[0]);
        }
        return new double[] {best, lengths / references.size()};
    }

    /** [edits, reference length] for one hypothesis/reference pair. */
    static int[] translationEditRate(List<String> hypothesis, List<String> reference) {
        if (reference.isEmpty()) {
            return new int[] {hypothesis.size(), 0};
        }
        String[] ref = reference.toArray(new String[0]);
        String[] input = hypothesis.toArray(new String[0]);
        int shifts = 0;
        int[] checked = {0};
        while (true) {
            ShiftResult result = bestShift(input, ref, checked);
            if (checked[0] >= MAX_SHIFT_CANDIDATES) {
                break;
            }
            if (result.gain <= 0) {
                break;
            }
            shifts++;
            input = result.words;
        }
        return new int[] {(int) editDistance(input, ref).distance + shifts, ref.length};
    }

    private record ShiftResult(long gain, String[] words) {
    }

    private record Candidate(long gain, int length, int negStart, int negTarget, String[] words) {
        boolean betterThan(Candidate other) {
            if (gain != other.gain) {
                return gain > other.gain;
            }
            if (length != other.length) {
                return length > other.length;
            }
            if (negStart != other.negStart) {
                return negStart > other.negStart;
            }
            if (negTarget != other.negTarget) {
                return negTarget > other.negTarget;
            }
            // sacrebleu compares the shifted word lists last; equal up to here means the same shift
            return Arrays.compare(words, other.words, PythonText.CODE_POINT_ORDER) > 0;
        }
    }

    /** The shift that reduces the edit distance most, Tercom's ranking breaking ties. */
    private static ShiftResult bestShift(String[] hyp, String[] ref, int[] checked) {
        EditResult current = editDistance(hyp, ref);
        // the trace rewrites hypothesis into reference; flipped it rewrites reference into hypothesis
        int posHyp = -1;
        int posRef = -1;
        int[] align = new int[ref.length];
        Arrays.fill(align, Integer.MIN_VALUE);
        List<Integer> hypErr = new ArrayList<>();
        List<Integer> refErr = new ArrayList<>();
        for (char op : current.trace.toCharArray()) {
            char flipped = op == OP_INS ? OP_DEL : op == OP_DEL ? OP_INS : op;
            switch (flipped) {
                case OP_NOP -> {
                    posHyp++;
                    posRef++;
                    align[posRef] = posHyp;
                    hypErr.add(0);
                    refErr.add(0);
                }
                case OP_SUB -> {
                    posHyp++;
                    posRef++;
                    align[posRef] = posHyp;
                    hypErr.add(1);
                    refErr.add(1);
                }
                case OP_INS -> {
                    posHyp++;
                    hypErr.add(1);
                }
                case OP_DEL -> {
                    posRef++;
                    align[posRef] = posHyp;
                    refErr.add(1);
                }
                default -> throw new IllegalStateException("unknown edit operation '" + flipped + "'");
            }
        }

        Candidate best = null;
        outer:
        for (int startH = 0; startH < hyp.length; startH++) {
            for (int startR = 0; startR < ref.length; startR++) {
                if (Math.abs(startR - startH) > MAX_SHIFT_DIST) {
                    continue;
                }
                int length = 0;
                while (hyp[startH + length].equals(ref[startR + length]) && length < MAX_SHIFT_SIZE) {
                    length++;
                    best = consider(hyp, ref, current.distance, startH, startR, length, align, hypErr, refErr,
                            best, checked);
                    if (checked[0] >= MAX_SHIFT_CANDIDATES) {
                        break outer;
                    }
                    if (hyp.length == startH + length || ref.length == startR + length) {
                        break;
                    }
                }
            }
        }
        return best == null ? new ShiftResult(0, hyp) : new ShiftResult(best.gain, best.words);
    }

    private static Candidate consider(String[] hyp, String[] ref, long preScore, int startH, int startR, int length,
                                      int[] align, List<Integer> hypErr, List<Integer> refErr, Candidate best,
                                      int[] checked) {
        // shift only if the hypothesis block was wrong and the reference block was not matched
        if (sum(hypErr, startH, startH + length) == 0 || sum(refErr, startR, startR + length) == 0) {
            return best;
        }
        if (startH <= align[startR] && align[startR] < startH + length) {
            return best; // no shift within the block itself
        }
        int previousTarget = -1;
        for (int offset = -1; offset < length; offset++) {
            int target;
            if (startR + offset == -1) {
                target = 0;
            } else if (startR + offset < ref.length && align[startR + offset] != Integer.MIN_VALUE) {
                target = align[startR + offset] + 1; // insert before, unlike Tercom's after
            } else {
                break;
            }
            if (target == previousTarget) {
                continue;
            }
            previousTarget = target;
            String[] shifted = performShift(hyp, startH, length, target);
            Candidate candidate = new Candidate(preScore - editDistance(shifted, ref).distance, length, -startH,
                    -target, shifted);
            checked[0]++;
            if (best == null || candidate.betterThan(best)) {
                best = candidate;
            }
        }
        return best;
    }

    private static int sum(List<Integer> flags, int from, int to) {
        int total = 0;
        for (int i = from; i < Math.min(to, flags.size()); i++) {
            total += flags.get(i);
        }
        return total;
    }

    private static String[] performShift(String[] words, int start, int length, int target) {
        List<String> out = new ArrayList<>(words.length);
        if (target < start) {
            addRange(out, words, 0, target);
            addRange(out, words, start, start + length);
            addRange(out, words, target, start);
            addRange(out, words, start + length, words.length);
        } else if (target > start + length) {
            addRange(out, words, 0, start);
            addRange(out, words, start + length, target);
            addRange(out, words, start, start + length);
            addRange(out, words, target, words.length);
        } else {
            addRange(out, words, 0, start);
            addRange(out, words, start + length, length + target);
            addRange(out, words, start, start + length);
            addRange(out, words, length + target, words.length);
        }
        return out.toArray(new String[0]);
    }

    /** Python slice semantics: indices are clamped to the list. */
    private static void addRange(List<String> out, String[] words, int from, int to) {
        int start = Math.max(0, Math.min(from, words.length));
        int end = Math.max(start, Math.min(to, words.length));
        for (int i = start; i < end; i++) {
            out.add(words[i]);
        }
    }

    private record EditResult(long distance, String trace) {
    }

    /**
     * Beam-limited Levenshtein distance with the operation trace; ties prefer match/substitution, then deletion,
     * then insertion (sacrebleu's order, which after flipping the trace equals Tercom's preference).
     */
    private static EditResult editDistance(String[] hyp, String[] ref) {
        int nh = hyp.length;
        int nr = ref.length;
        long[][] cost = new long[nh + 1][nr + 1];
        char[][] ops = new char[nh + 1][nr + 1];
        for (int j = 0; j <= nr; j++) {
            cost[0][j] = j;
            ops[0][j] = OP_INS;
        }
        for (int i = 1; i <= nh; i++) {
            Arrays.fill(cost[i], INFINITY);
            Arrays.fill(ops[i], OP_UNDEF);
        }
        double lengthRatio = nh > 0 ? (double) nr / nh : 1.0;
        int beam = BEAM_WIDTH < lengthRatio / 2 ? (int) Math.ceil(lengthRatio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
        for (int i = 1; i <= nh; i++) {
            int diagonal = (int) Math.floor(i * lengthRatio);
            int minJ = Math.max(0, diagonal - beam);
            int maxJ = i == nh ? nr + 1 : Math.min(nr + 1, diagonal + beam);
            for (int j = minJ; j < maxJ; j++) {
                if (j == 0) {
                    cost[i][j] = cost[i - 1][j] + 1;
                    ops[i][j] = OP_DEL;
                    continue;
                }
                boolean same = hyp[i - 1].equals(ref[j - 1]);
                long sub = cost[i - 1][j - 1] + (same ? 0 : 1);
                if (cost[i][j] > sub) {
                    cost[i][j] = sub;
                    ops[i][j] = same ? OP_NOP : OP_SUB;
                }
                long del = cost[i - 1][j] + 1;
                if (cost[i][j] > del) {
                    cost[i][j] = del;
                    ops[i][j] = OP_DEL;
                }
                long ins = cost[i][j - 1] + 1;
                if (cost[i][j] > ins) {
                    cost[i][j] = ins;
                    ops[i][j] = OP_INS;
                }
            }
        }
        StringBuilder trace = new StringBuilder();
        int i = nh;
        int j = nr;
        while (i > 0 || j > 0) {
            char op = ops[i][j];
            trace.append(op);
            switch (op) {
                case OP_SUB, OP_NOP -> {
                    i--;
                    j--;
                }
                case OP_INS -> j--;
                case OP_DEL -> i--;
                default -> throw new IllegalStateException("TER edit trace reached an unfilled cell at " + i + ","
                        + j);
            }
        }
        return new EditResult(cost[nh][nr], trace.reverse().toString());
    }
}
