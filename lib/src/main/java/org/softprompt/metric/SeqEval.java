package org.softprompt.metric;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Span-level (entity) precision, recall and F1 for sequence tagging, exactly as seqeval 1.2.2 computes them.
 *
 * <p>Two ways of reading spans from tags:
 * <ul>
 *   <li>{@link #report(List, List)}, seqeval's default, compatible with conlleval: a chunk starts at {@code B-} or
 *       {@code S-}, at an {@code I-}/{@code E-} after {@code O} or after another type, and ends where the next tag
 *       cannot continue it. Ill-formed sequences are repaired rather than rejected ({@code I-PER I-PER} is a PER
 *       span); {@code L-} and {@code U-} prefixes are not understood.</li>
 *   <li>{@link #report(List, List, Scheme)}, seqeval's {@code mode='strict'}: only spans that are well-formed in the
 *       given {@link Scheme} count; a tag whose prefix the scheme does not allow is an error.</li>
 * </ul>
 * A predicted span is correct if its type, start and end equal a gold span's. Per type and micro-averaged
 * scores divide by zero as 0; macro averages over no type are NaN (numpy's mean of nothing); weighted averages use
 * the gold support as weights and are 0 when there is no gold span. Tags are {@code PREFIX-TYPE}; a bare prefix
 * such as {@code B} has the type {@code _}.
 */
public final class SeqEval {

    /** Tagging schemes of seqeval's strict mode. */
    public enum Scheme {
        IOB2("IOB", new Pattern[] {p("IOBESUL", "B", Tag.ANY)},
                new Pattern[] {p("B", "I", Tag.SAME), p("I", "I", Tag.SAME)},
                new Pattern[] {p("I", "O", Tag.ANY), p("I", "I", Tag.DIFF), p("I", "B", Tag.ANY),
                        p("B", "O", Tag.ANY), p("B", "I", Tag.DIFF), p("B", "B", Tag.ANY)}),
        IOBES("IOBES", new Pattern[] {p("IOBESUL", "B", Tag.ANY), p("IOBESUL", "S", Tag.ANY)},
                new Pattern[] {p("B", "I", Tag.SAME), p("B", "E", Tag.SAME), p("I", "I", Tag.SAME),
                        p("I", "E", Tag.SAME)},
                new Pattern[] {p("S", "IOBESUL", Tag.ANY), p("E", "IOBESUL", Tag.ANY)}),
        BILOU("BILOU", new Pattern[] {p("IOBESUL", "B", Tag.ANY), p("IOBESUL", "U", Tag.ANY)},
                new Pattern[] {p("B", "I", Tag.SAME), p("B", "L", Tag.SAME), p("I", "I", Tag.SAME),
                        p("I", "L", Tag.SAME)},
                new Pattern[] {p("U", "IOBESUL", Tag.ANY), p("L", "IOBESUL", Tag.ANY)});

        private final String allowedPrefixes;
        private final Pattern[] start;
        private final Pattern[] inside;
        private final Pattern[] end;

        Scheme(String allowedPrefixes, Pattern[] start, Pattern[] inside, Pattern[] end) {
            this.allowedPrefixes = allowedPrefixes;
            this.start = start;
            this.inside = inside;
            this.end = end;
        }
    }

    private enum Tag { SAME, DIFF, ANY }

    /** previous prefix in {@code previous}, current prefix in {@code current}, and the type condition. */
    private record Pattern(String previous, String current, Tag tag) {
    }

    private static Pattern p(String previous, String current, Tag tag) {
        return new Pattern(previous, current, tag);
    }

    /**
     * A span in one sentence.
     *
     * @param sentence index of the sentence
     * @param type     entity type ({@code _} for untyped tags)
     * @param start    first token
     * @param end      one past the last token
     */
    public record Entity(int sentence, String type, int start, int end) {
    }

    /** Precision, recall, F1 and support (number of gold spans). */
    public record Scores(double precision, double recall, double f1, int support) {
    }

    /**
     * seqeval's classification report.
     *
     * @param perType  scores of each type, ordered by type name
     * @param micro    scores from the summed counts
     * @param macro    unweighted mean over types (NaN without any type)
     * @param weighted mean over types weighted by gold support
     * @param accuracy token-level accuracy of the tags
     */
    public record Report(Map<String, Scores> perType, Scores micro, Scores macro, Scores weighted, double accuracy) {

        public Report {
            perType = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perType));
        }
    }

    private SeqEval() {
    }

    /** seqeval's default (conlleval-compatible) evaluation. */
    public static Report report(List<List<String>> predictedTags, List<List<String>> goldTags) {
        requireAligned(predictedTags, goldTags);
        return report(entities(goldTags), entities(predictedTags), accuracy(predictedTags, goldTags));
    }

    /** seqeval's strict evaluation in the given scheme. */
    public static Report report(List<List<String>> predictedTags, List<List<String>> goldTags, Scheme scheme) {
        requireAligned(predictedTags, goldTags);
        return report(entities(goldTags, scheme), entities(predictedTags, scheme),
                accuracy(predictedTags, goldTags));
    }

    /** Token accuracy: the fraction of tags equal to the gold tag. */
    public static double accuracy(List<List<String>> predictedTags, List<List<String>> goldTags) {
        requireAligned(predictedTags, goldTags);
        long correct = 0;
        long total = 0;
        for (int s = 0; s < goldTags.size(); s++) {
            for (int t = 0; t < goldTags.get(s).size(); t++) {
                if (goldTags.get(s).get(t).equals(predictedTags.get(s).get(t))) {
                    correct++;
                }
                total++;
            }
        }
        if (total == 0) {
            throw new IllegalArgumentException("accuracy of no tokens is undefined (every sentence is empty)");
        }
        return (double) correct / total;
    }

    /** Spans as seqeval's default mode ({@code get_entities}) reads them, per sentence. */
    public static List<List<Entity>> entities(List<List<String>> sentences) {
        List<List<Entity>> all = new ArrayList<>();
        for (int s = 0; s < sentences.size(); s++) {
            List<Entity> entities = new ArrayList<>();
            String previousPrefix = "O";
            String previousType = "";
            int begin = 0;
            List<String> tags = new ArrayList<>(sentences.get(s));
            tags.add("O");
            for (int i = 0; i < tags.size(); i++) {
                String tag = tags.get(i);
                if (tag == null || tag.isEmpty()) {
                    throw new IllegalArgumentException("sentence " + s + " has an empty or null tag at " + i);
                }
                String prefix = tag.substring(0, Character.charCount(tag.codePointAt(0)));
                String rest = tag.substring(prefix.length());
                int dash = rest.indexOf('-');
                String type = dash >= 0 ? rest.substring(dash + 1) : rest;
                if (type.isEmpty()) {
                    type = "_";
                }
                if (endOfChunk(previousPrefix, prefix, previousType, type)) {
                    entities.add(new Entity(s, previousType, begin, i));
                }
                if (startOfChunk(previousPrefix, prefix, previousType, type)) {
                    begin = i;
                }
                previousPrefix = prefix;
                previousType = type;
            }
            all.add(entities);
        }
        return all;
    }

    private static boolean endOfChunk(String prevTag, String tag, String prevType, String type) {
        boolean end = prevTag.equals("E") || prevTag.equals("S");
        if (prevTag.equals("B") && (tag.equals("B") || tag.equals("S") || tag.equals("O"))) {
            end = true;
        }
        if (prevTag.equals("I") && (tag.equals("B") || tag.equals("S") || tag.equals("O"))) {
            end = true;
        }
        if (!prevTag.equals("O") && !prevTag.equals(".") && !prevType.equals(type)) {
            end = true;
        }
        return end;
    }

    private static boolean startOfChunk(String prevTag, String tag, String prevType, String type) {
        boolean start = tag.equals("B") || tag.equals("S");
        if ((prevTag.equals("E") || prevTag.equals("S") || prevTag.equals("O"))
                && (tag.equals("E") || tag.equals("I"))) {
            start = true;
        }
        if (!tag.equals("O") && !tag.equals(".") && !prevType.equals(type)) {
            start = true;
        }
        return start;
    }

    /** Spans well-formed in the scheme (seqeval's strict {@code Entities}), per sentence. */
    public static List<List<Entity>> entities(List<List<String>> sentences, Scheme scheme) {
        List<List<Entity>> all = new ArrayList<>();
        for (int s = 0; s < sentences.size(); s++) {
            List<Token> tokens = new ArrayList<>();
            for (String tag : sentences.get(s)) {
                tokens.add(Token.of(tag, scheme, s));
            }
            Token outside = Token.of("O", scheme, s);
            tokens.add(outside);
            List<Entity> entities = new ArrayList<>();
            int i = 0;
            Token previous = outside;
            while (i < tokens.size()) {
                Token token = tokens.get(i);
                if (token.matches(previous, scheme.start)) {
                    int end = forward(tokens, i + 1, token, scheme);
                    if (tokens.get(end).matches(tokens.get(end - 1), scheme.end)) {
                        entities.add(new Entity(s, token.type, i, end));
                    }
                    i = end;
                } else {
                    i++;
                }
                previous = tokens.get(i - 1);
            }
            all.add(entities);
        }
        return all;
    }

    private static int forward(List<Token> tokens, int start, Token previous, Scheme scheme) {
        Token prev = previous;
        for (int i = start; i < tokens.size(); i++) {
            if (tokens.get(i).matches(prev, scheme.inside)) {
                prev = tokens.get(i);
            } else {
                return i;
            }
        }
        return tokens.size() - 2;
    }

    private record Token(char prefix, String type) {

        static Token of(String tag, Scheme scheme, int sentence) {
            if (tag == null || tag.isEmpty()) {
                throw new IllegalArgumentException("sentence " + sentence + " has an empty or null tag");
            }
            char prefix = tag.charAt(0);
            if (scheme.allowedPrefixes.indexOf(prefix) < 0) {
                throw new IllegalArgumentException("invalid tag '" + tag + "' in sentence " + sentence + ": scheme "
                        + scheme + " allows the prefixes " + String.join(", ", scheme.allowedPrefixes.split("")));
            }
            String type = stripDashes(tag.substring(1));
            return new Token(prefix, type.isEmpty() ? "_" : type);
        }

        boolean matches(Token previous, Pattern[] patterns) {
            for (Pattern pattern : patterns) {
                if (pattern.previous.indexOf(previous.prefix) >= 0 && pattern.current.indexOf(prefix) >= 0
                        && (pattern.tag == Tag.ANY
                        || (pattern.tag == Tag.SAME) == previous.type.equals(type))) {
                    return true;
                }
            }
            return false;
        }
    }

    private static String stripDashes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '-') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '-') {
            to--;
        }
        return s.substring(from, to);
    }

    private static Report report(List<List<Entity>> gold, List<List<Entity>> predicted, double accuracy) {
        Set<Entity> goldSet = new HashSet<>();
        gold.forEach(goldSet::addAll);
        Set<Entity> predictedSet = new HashSet<>();
        predicted.forEach(predictedSet::addAll);
        TreeSet<String> types = new TreeSet<>(PythonText.CODE_POINT_ORDER);
        goldSet.forEach(e -> types.add(e.type()));
        predictedSet.forEach(e -> types.add(e.type()));

        int n = types.size();
        int[] tp = new int[n];
        int[] predictedCount = new int[n];
        int[] trueCount = new int[n];
        int k = 0;
        for (String type : types) {
            for (Entity e : predictedSet) {
                if (e.type().equals(type)) {
                    predictedCount[k]++;
                    if (goldSet.contains(e)) {
                        tp[k]++;
                    }
                }
            }
            for (Entity e : goldSet) {
                if (e.type().equals(type)) {
                    trueCount[k]++;
                }
            }
            k++;
        }
        double[] precision = new double[n];
        double[] recall = new double[n];
        double[] f1 = new double[n];
        Map<String, Scores> perType = new LinkedHashMap<>();
        k = 0;
        int totalTp = 0;
        int totalPredicted = 0;
        int totalTrue = 0;
        for (String type : types) {
            precision[k] = divide(tp[k], predictedCount[k]);
            recall[k] = divide(tp[k], trueCount[k]);
            f1[k] = f1(precision[k], recall[k]);
            perType.put(type, new Scores(precision[k], recall[k], f1[k], trueCount[k]));
            totalTp += tp[k];
            totalPredicted += predictedCount[k];
            totalTrue += trueCount[k];
            k++;
        }
        double microPrecision = divide(totalTp, totalPredicted);
        double microRecall = divide(totalTp, totalTrue);
        Scores micro = new Scores(microPrecision, microRecall, f1(microPrecision, microRecall), totalTrue);
        Scores macro = n == 0 ? new Scores(Double.NaN, Double.NaN, Double.NaN, totalTrue)
                : new Scores(NumpySum.mean(precision), NumpySum.mean(recall), NumpySum.mean(f1), totalTrue);
        Scores weighted;
        if (totalTrue == 0) {
            weighted = new Scores(0.0, 0.0, 0.0, 0);
        } else {
            weighted = new Scores(weightedMean(precision, trueCount), weightedMean(recall, trueCount),
                    weightedMean(f1, trueCount), totalTrue);
        }
        return new Report(perType, micro, macro, weighted, accuracy);
    }

    /** A ratio, 0 when the denominator is 0 (seqeval's default zero_division). */
    private static double divide(int numerator, int denominator) {
        return denominator == 0 ? 0.0 : (double) numerator / denominator;
    }

    private static double f1(double precision, double recall) {
        double denominator = precision + recall;
        return (2.0 * precision) * recall / (denominator == 0 ? 1 : denominator);
    }

    /** numpy's {@code average(values, weights=weights)}: sum(values * weights) / sum(weights). */
    private static double weightedMean(double[] values, int[] weights) {
        double[] products = new double[values.length];
        long weightSum = 0;
        for (int i = 0; i < values.length; i++) {
            products[i] = values[i] * weights[i];
            weightSum += weights[i];
        }
        return NumpySum.sum(products) / weightSum;
    }

    private static void requireAligned(List<List<String>> predicted, List<List<String>> gold) {
        if (predicted == null || gold == null) {
            throw new IllegalArgumentException("predicted and gold tag sequences must not be null");
        }
        if (predicted.size() != gold.size()) {
            throw new IllegalArgumentException("predicted tags have " + predicted.size() + " sentences but gold tags "
                    + "have " + gold.size());
        }
        for (int s = 0; s < gold.size(); s++) {
            if (predicted.get(s).size() != gold.get(s).size()) {
                throw new IllegalArgumentException("sentence " + s + " has " + predicted.get(s).size()
                        + " predicted tags but " + gold.get(s).size() + " gold tags");
            }
        }
    }
}
