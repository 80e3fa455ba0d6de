package org.softprompt.metric;

import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The default ("western") tokenization of NIST's mteval-v13a script, applied to a segment as the script reads it
 * from its SGML input: whitespace runs collapsed, SGML entities for quote, ampersand and angle brackets decoded,
 * ASCII letters lower-cased unless case is preserved ({@code -c}), ASCII punctuation split off except periods and
 * commas inside numbers, a dash after a digit split off. Non-ASCII characters stay inside words; whitespace is
 * Perl's Unicode whitespace.
 */
public final class MtevalTokenizer implements UnaryOperator<String> {

    private static final Pattern PUNCTUATION = Pattern.compile("([{-~\\[-` -&(-+:-@/])");
    private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([.,])");
    private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    private final boolean preserveCase;

    /** @param preserveCase keep upper-case letters (mteval's {@code -c}); the E2E script does not */
    public MtevalTokenizer(boolean preserveCase) {
        this.preserveCase = preserveCase;
    }

    /** Tokens separated by single spaces, none at either end. */
    @Override
    public String apply(String segment) {
        String text = collapseWhitespace(segment);
        text = text.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        text = text.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        text = " " + text + " ";
        if (!preserveCase) {
            text = lowerAscii(text);
        }
        text = PUNCTUATION.matcher(text).replaceAll(" $1 ");
        text = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(text).replaceAll("$1 $2 ");
        text = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(text).replaceAll(" $1 $2");
        text = DASH_AFTER_DIGIT.matcher(text).replaceAll("$1 $2 ");
        String collapsed = collapseWhitespace(text);
        int start = collapsed.startsWith(" ") ? 1 : 0;
        int end = collapsed.endsWith(" ") ? collapsed.length() - 1 : collapsed.length();
        return start >= end ? "" : collapsed.substring(start, end);
    }

    /** Perl's {@code \s} on a Unicode string: the Unicode White_Space characters. */
    static boolean isPerlSpace(int cp) {
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    private static String collapseWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inSpace = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isPerlSpace(cp)) {
                if (!inSpace) {
                    out.append(' ');
                }
                inSpace = true;
            } else {
                out.appendCodePoint(cp);
                inSpace = false;
            }
        }
        return out.toString();
    }

    private static String lowerAscii(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] = (char) (chars[i] + ('a' - 'A'));
            }
        }
        return new String(chars);
    }
}
