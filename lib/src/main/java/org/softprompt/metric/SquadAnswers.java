package org.softprompt.metric;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer normalisation and token F1 shared by the official SQuAD v1.1 and v2.0 evaluation scripts.
 *
 * <p>Normalisation: lower-case; delete every ASCII punctuation character of Python's {@code string.punctuation}
 * without inserting a space (so {@code U.S.} becomes {@code us} and {@code rock-n-roll} {@code rocknroll}); replace
 * the whole words a, an, the by a space (word boundaries as Python's Unicode {@code \b}); collapse whitespace.
 * Non-ASCII punctuation is kept.
 */
public final class SquadAnswers {

    private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private SquadAnswers() {
    }

    /** The scripts' {@code normalize_answer}. */
    public static String normalize(String text) {
        String lowered = PythonText.lower(text);
        StringBuilder withoutPunctuation = new StringBuilder(lowered.length());
        lowered.codePoints().filter(cp -> ASCII_PUNCTUATION.indexOf(cp) < 0)
                .forEach(withoutPunctuation::appendCodePoint);
        return PythonText.normalizeSpaces(removeArticles(withoutPunctuation.toString()));
    }

    /** The normalised answer's tokens. */
    public static List<String> tokens(String text) {
        return PythonText.split(normalize(text));
    }

    /** {@code re.sub(r'\b(a|an|the)\b', ' ', text)} with Python's Unicode word characters. */
    private static String removeArticles(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int article = articleAt(text, i);
            if (article > 0) {
                out.append(' ');
                i += article;
            } else {
                int cp = text.codePointAt(i);
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
        }
        return out.toString();
    }

    /** Length of an article starting at a word boundary at {@code i} and ending at one, or 0. */
    private static int articleAt(String text, int i) {
        if (i > 0 && isWordChar(text.codePointBefore(i))) {
            return 0;
        }
        for (String article : new String[] {"a", "an", "the"}) {
            if (text.startsWith(article, i)) {
                int end = i + article.length();
                if (end >= text.length() || !isWordChar(text.codePointAt(end))) {
                    return article.length();
                }
            }
        }
        return 0;
    }

    /** Python's {@code \w} on str: letters, numeric characters and the underscore. */
    private static boolean isWordChar(int cp) {
        int type = Character.getType(cp);
        return Character.isLetter(cp) || type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER || cp == '_';
    }

    /** Size of the multiset intersection of two token lists. */
    static int overlap(List<String> a, List<String> b) {
        Map<String, Integer> counts = new HashMap<>();
        a.forEach(t -> counts.merge(t, 1, Integer::sum));
        int same = 0;
        for (String t : b) {
            Integer left = counts.get(t);
            if (left != null && left > 0) {
                same++;
                counts.put(t, left - 1);
            }
        }
        return same;
    }

    /** 2PR/(P+R) on token counts, as both scripts compute it once the overlap is non-zero. */
    static double f1(int same, int predictionTokens, int goldTokens) {
        double precision = 1.0 * same / predictionTokens;
        double recall = 1.0 * same / goldTokens;
        return (2 * precision * recall) / (precision + recall);
    }
}
