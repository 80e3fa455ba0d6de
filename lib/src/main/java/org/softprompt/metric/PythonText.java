package org.softprompt.metric;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} semantics that the reference implementations rely on and Java does not share: which characters
 * {@code str.split()} treats as whitespace, code-point (not UTF-16) indexing, code-point string order and
 * {@code format(x, '.Nf')} rounding. Matching these is what makes a score equal to the reference's, not just close.
 */
final class PythonText {

    /** Python's {@code sorted()} order on strings: by code point, which UTF-16 {@code compareTo} is not. */
    static final Comparator<String> CODE_POINT_ORDER = PythonText::compareCodePoints;

    private PythonText() {
    }

    /**
     * {@code str.isspace()} for one code point. Java's {@link Character#isWhitespace} leaves out the no-break
     * spaces and NEL, which Python (and so every Python tokenizer) splits on.
     */
    static boolean isSpace(int codePoint) {
        return Character.isWhitespace(codePoint)
                || codePoint == 0x85 || codePoint == 0xA0 || codePoint == 0x2007 || codePoint == 0x202F;
    }

    /** {@code s.split()}: runs of Python whitespace separate tokens; no empty tokens. */
    static List<String> split(String s) {
        List<String> tokens = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (isSpace(cp)) {
                if (start >= 0) {
                    tokens.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            tokens.add(s.substring(start));
        }
        return tokens;
    }

    /** {@code ' '.join(s.split())}. */
    static String normalizeSpaces(String s) {
        return String.join(" ", split(s));
    }

    /** {@code s.lower()}; Java's root-locale lower-casing follows the same Unicode mappings. */
    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** The string as code points, so that n-grams and lengths count characters the way Python does. */
    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }

    static String fromCodePoints(int[] codePoints, int start, int end) {
        return new String(codePoints, start, end - start);
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /**
     * {@code f'{x:.{digits}f}'}: Python rounds the exact binary value half-to-even, whereas
     * {@code String.format} rounds half-up, which differs on values such as 0.125.
     */
    static String fixed(double x, int digits) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        String text = new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
        return (x < 0 || (x == 0 && 1 / x < 0)) && !text.startsWith("-") ? "-" + text : text;
    }
}
