package org.softprompt.metric;

import java.util.Map;
import java.util.function.Predicate;

/**
 * The Porter stemmer in NLTK 3.8's default {@code NLTK_EXTENSIONS} mode, the stemmer behind rouge-score's
 * {@code use_stemmer=True}. It is Porter's 1980 algorithm with Martin Porter's later corrections plus NLTK's
 * own changes: a table of irregular forms (sky/skies, dying, news, ...), {@code -ies}/{@code -ied} of four-letter
 * words kept as {@code -ie}, a two-letter vowel-consonant stem counting as "cvc", {@code y -> i} only after a
 * consonant that is not the first letter, recursive {@code -alli}, and {@code -fulli}/{@code -logi} rules.
 * Available stemmers (Lucene's, Snowball's) implement Martin Porter's variant, which stems differently here.
 *
 * <p>Words of at most two characters are returned lower-cased and unchanged. Instances are stateless and safe to
 * share.
 */
public final class PorterStemmer {

    private static final Map<String, String> IRREGULAR_FORMS = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"),
            Map.entry("dying", "die"), Map.entry("lying", "lie"), Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** Stems one word (lower-cased first). */
    public String stem(String word) {
        String stem = PythonText.lower(word);
        // NLTK looks the original word up in the irregular table and the original length decides the short path
        String irregular = IRREGULAR_FORMS.get(word);
        if (irregular != null) {
            return irregular;
        }
        if (word.length() <= 2) {
            return stem;
        }
        stem = step1a(stem);
        stem = step1b(stem);
        stem = step1c(stem);
        stem = step2(stem);
        stem = step3(stem);
        stem = step4(stem);
        stem = step5a(stem);
        stem = step5b(stem);
        return stem;
    }

    // ---- word shape predicates (the paper's definitions) ----

    private static boolean isConsonant(String word, int i) {
        char c = word.charAt(i);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
            return false;
        }
        if (c == 'y') {
            return i == 0 || !isConsonant(word, i - 1);
        }
        return true;
    }

    /** m in [C](VC)^m[V]: the number of vowel-consonant transitions. */
    private static int measure(String stem) {
        int m = 0;
        boolean previousVowel = false;
        for (int i = 0; i < stem.length(); i++) {
            boolean consonant = isConsonant(stem, i);
            if (consonant && previousVowel) {
                m++;
            }
            previousVowel = !consonant;
        }
        return m;
    }

    private static boolean hasPositiveMeasure(String stem) {
        return measure(stem) > 0;
    }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) {
            if (!isConsonant(stem, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsDoubleConsonant(String word) {
        int n = word.length();
        return n >= 2 && word.charAt(n - 1) == word.charAt(n - 2) && isConsonant(word, n - 1);
    }

    /** *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also accepts a two-letter vowel-consonant. */
    private static boolean endsCvc(String word) {
        int n = word.length();
        if (n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1)) {
            char last = word.charAt(n - 1);
            if (last != 'w' && last != 'x' && last != 'y') {
                return true;
            }
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1);
    }

    // ---- rule application ----

    private record Rule(String suffix, String replacement, Predicate<String> condition) {
    }

    /**
     * The first rule whose suffix the word ends with decides: its replacement if the condition holds for the stem,
     * otherwise the word unchanged (later rules are not tried).
     */
    private static String applyFirstMatching(String word, Rule... rules) {
        for (Rule rule : rules) {
            if (word.endsWith(rule.suffix)) {
                String stem = word.substring(0, word.length() - rule.suffix.length());
                return rule.condition == null || rule.condition.test(stem) ? stem + rule.replacement : word;
            }
        }
        return word;
    }

    private static String step1a(String word) {
        if (word.endsWith("ies") && word.length() == 4) {
            return word.substring(0, 1) + "ie";
        }
        return applyFirstMatching(word,
                new Rule("sses", "ss", null),
                new Rule("ies", "i", null),
                new Rule("ss", "ss", null),
                new Rule("s", "", null));
    }

    private static String step1b(String word) {
        if (word.endsWith("ied")) {
            String stem = word.substring(0, word.length() - 3);
            return word.length() == 4 ? stem + "ie" : stem + "i";
        }
        if (word.endsWith("eed")) {
            String stem = word.substring(0, word.length() - 3);
            return measure(stem) > 0 ? stem + "ee" : word;
        }
        String intermediate = null;
        for (String suffix : new String[] {"ed", "ing"}) {
            if (word.endsWith(suffix)) {
                String stem = word.substring(0, word.length() - suffix.length());
                if (containsVowel(stem)) {
                    intermediate = stem;
                    break;
                }
            }
        }
        if (intermediate == null) {
            return word;
        }
        if (intermediate.endsWith("at")) {
            return intermediate + "e";
        }
        if (intermediate.endsWith("bl")) {
            return intermediate + "e";
        }
        if (intermediate.endsWith("iz")) {
            return intermediate + "e";
        }
        if (endsDoubleConsonant(intermediate)) {
            char last = intermediate.charAt(intermediate.length() - 1);
            // remove one of the pair unless it is l, s or z
            return last != 'l' && last != 's' && last != 'z'
                    ? intermediate.substring(0, intermediate.length() - 1) : intermediate;
        }
        if (measure(intermediate) == 1 && endsCvc(intermediate)) {
            return intermediate + "e";
        }
        return intermediate;
    }

    private static String step1c(String word) {
        // y -> i only after a consonant that is not the word's only letter before it
        return applyFirstMatching(word,
                new Rule("y", "i", stem -> stem.length() > 1 && isConsonant(stem, stem.length() - 1)));
    }

    private static String step2(String word) {
        if (word.endsWith("alli") && hasPositiveMeasure(word.substring(0, word.length() - 4))) {
            return step2(word.substring(0, word.length() - 4) + "al");
        }
        Predicate<String> m = PorterStemmer::hasPositiveMeasure;
        return applyFirstMatching(word,
                new Rule("ational", "ate", m),
                new Rule("tional", "tion", m),
                new Rule("enci", "ence", m),
                new Rule("anci", "ance", m),
                new Rule("izer", "ize", m),
                new Rule("bli", "ble", m),
                new Rule("alli", "al", m),
                new Rule("entli", "ent", m),
                new Rule("eli", "e", m),
                new Rule("ousli", "ous", m),
                new Rule("ization", "ize", m),
                new Rule("ation", "ate", m),
                new Rule("ator", "ate", m),
                new Rule("alism", "al", m),
                new Rule("iveness", "ive", m),
                new Rule("fulness", "ful", m),
                new Rule("ousness", "ous", m),
                new Rule("aliti", "al", m),
                new Rule("iviti", "ive", m),
                new Rule("biliti", "ble", m),
                new Rule("fulli", "ful", m),
                // NLTK tests the measure of the word minus "ogi", i.e. the stem plus its "l"
                new Rule("logi", "log", stem -> hasPositiveMeasure(word.substring(0, word.length() - 3))));
    }

    private static String step3(String word) {
        Predicate<String> m = PorterStemmer::hasPositiveMeasure;
        return applyFirstMatching(word,
                new Rule("icate", "ic", m),
                new Rule("ative", "", m),
                new Rule("alize", "al", m),
                new Rule("iciti", "ic", m),
                new Rule("ical", "ic", m),
                new Rule("ful", "", m),
                new Rule("ness", "", m));
    }

    private static String step4(String word) {
        Predicate<String> m = stem -> measure(stem) > 1;
        return applyFirstMatching(word,
                new Rule("al", "", m),
                new Rule("ance", "", m),
                new Rule("ence", "", m),
                new Rule("er", "", m),
                new Rule("ic", "", m),
                new Rule("able", "", m),
                new Rule("ible", "", m),
                new Rule("ant", "", m),
                new Rule("ement", "", m),
                new Rule("ment", "", m),
                new Rule("ent", "", m),
                new Rule("ion", "", stem -> measure(stem) > 1
                        && (stem.endsWith("s") || stem.endsWith("t"))),
                new Rule("ou", "", m),
                new Rule("ism", "", m),
                new Rule("ate", "", m),
                new Rule("iti", "", m),
                new Rule("ous", "", m),
                new Rule("ive", "", m),
                new Rule("ize", "", m));
    }

    private static String step5a(String word) {
        if (word.endsWith("e")) {
            String stem = word.substring(0, word.length() - 1);
            int m = measure(stem);
            if (m > 1 || (m == 1 && !endsCvc(stem))) {
                return stem;
            }
        }
        return word;
    }

    private static String step5b(String word) {
        if (word.endsWith("ll") && measure(word.substring(0, word.length() - 1)) > 1) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }
}
