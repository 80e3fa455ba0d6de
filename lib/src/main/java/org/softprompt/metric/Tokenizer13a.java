package org.softprompt.metric;

import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * sacrebleu's default {@code 13a} tokenizer (the tokenization of mteval-v13a, as sacrebleu 2.x applies it):
 * punctuation and symbols become tokens, except that periods and commas stay inside numbers and a dash after a
 * digit is split off; {@code &quot; &amp; &lt; &gt;} are unescaped; whitespace is collapsed. Case is kept.
 */
public final class Tokenizer13a implements UnaryOperator<String> {

    // ASCII punctuation ranges {-~ [-` space-& (-+ :-@ and '/': everything except letters, digits, ' - . ,
    private static final Pattern PUNCTUATION = Pattern.compile("([{-~\\[-` -&(-+:-@/])");
    private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([.,])");
    private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    /** Tokenizes one line; the result has single spaces between tokens and none at either end. */
    @Override
    public String apply(String line) {
        String text = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (text.indexOf('&') >= 0) {
            text = text.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        text = " " + text + " ";
        text = PUNCTUATION.matcher(text).replaceAll(" $1 ");
        text = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(text).replaceAll("$1 $2 ");
        text = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(text).replaceAll(" $1 $2");
        text = DASH_AFTER_DIGIT.matcher(text).replaceAll("$1 $2 ");
        return PythonText.normalizeSpaces(text);
    }
}
