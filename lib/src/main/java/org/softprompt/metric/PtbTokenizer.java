package org.softprompt.metric;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The caption tokenization of the MS-COCO evaluation code (and so of the E2E script's ROUGE_L and CIDEr): Stanford
 * CoreNLP's PTBTokenizer (3.4.1, {@code -preserveLines -lowerCase}) followed by dropping the punctuation tokens
 * {@code '' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;}.
 *
 * <p>This re-implements the lexer behaviour that matters for caption-like English text, not the whole Stanford
 * grammar: lower-casing; clitics split off ({@code there's -> there 's}, {@code don't -> do n't},
 * {@code cannot -> can not}); quotes, dashes, ellipses and sentence punctuation become tokens that are then dropped;
 * hyphenated words and number ranges ({@code family-friendly}, {@code 5-star}, {@code 20-25}) and signed numbers
 * ({@code -25}), URLs and e-mail addresses stay whole; currency signs are split off and normalised as PTB3 does ({@code £ -> #}, cents sign
 * {@code -> cents}, other currencies {@code -> $}); brackets become {@code -lrb-} etc. (CoreNLP lower-cases them,
 * so they are <em>not</em> in the drop list and remain, as in the original pipeline). A period stays on letter-dot
 * acronyms ({@code u.s.}), titles and company abbreviations ({@code mr.}, {@code inc.}), a word directly followed
 * by {@code , ; :} ({@code center.,}) and single letters ({@code a.}), except a single letter followed by a typical
 * sentence start such as "The" — which may be the next caption, because pycocoevalcap tokenizes all captions as one
 * text, one per line. Use {@link #tokenizeAll} to get that context; it reproduces the intermediate text of every
 * segment of the E2E fixtures. Other scripts or unusual punctuation may be tokenized differently from CoreNLP.
 */
public final class PtbTokenizer implements UnaryOperator<String> {

    /** The tokens pycocoevalcap removes after tokenization. */
    static final Set<String> DROPPED = Set.of("''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!",
            ",", ":", "-", "--", "...", ";");

    private static final Set<String> CLITICS = Set.of("s", "re", "ve", "ll", "d", "m");

    /** Titles and company, month and other abbreviations that keep their period (matched case-insensitively). */
    private static final Set<String> ABBREVIATIONS = Set.of("mr", "mrs", "ms", "messrs", "dr", "drs", "prof", "profs",
            "sen", "rep", "lt", "col", "gen", "gov", "adm", "rev", "maj", "sgt", "cpl", "pvt", "mt", "capt", "st",
            "ste", "ave", "pres", "lieut", "hon", "brig", "jr", "sr", "bros", "blvd", "rd", "esq", "inc", "co", "cos",
            "corp", "ltd", "plc", "dept", "univ", "assn", "intl", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
            "sep", "sept", "oct", "nov", "dec", "etc", "vs", "cf", "al");

    /** Words that, after a single-letter abbreviation, mark the period as a sentence end (CoreNLP's list). */
    private static final Set<String> SENTENCE_STARTS = Set.of("About", "According", "Additionally", "After", "An",
            "A", "As", "At", "But", "Earlier", "He", "Her", "Here", "However", "If", "In", "It", "Last", "Many",
            "More", "Mr.", "Ms.", "Now", "Once", "One", "Other", "Our", "She", "Since", "So", "Some", "Such", "That",
            "The", "Then", "There", "These", "They", "This", "We", "When", "While", "What", "Yet", "You");

    /** The tokens of one caption on its own (as the last line of the tokenizer's input). */
    public List<String> tokens(String caption) {
        return tokens(caption, "");
    }

    /**
     * The tokens of each caption, tokenized as pycocoevalcap does it: all captions as one text, one per line, in
     * the given order (for references: all references of the first segment, then of the second, and so on).
     */
    public List<List<String>> tokenizeAll(List<String> captions) {
        List<List<String>> all = new ArrayList<>();
        for (int i = 0; i < captions.size(); i++) {
            String next = i + 1 < captions.size() ? captions.get(i + 1).replace('\n', ' ') : "";
            all.add(tokens(captions.get(i).replace('\n', ' '), next));
        }
        return all;
    }

    /** The tokens joined by single spaces: the text the COCO ROUGE_L and CIDEr code scores. */
    @Override
    public String apply(String caption) {
        return String.join(" ", tokens(caption));
    }

    private List<String> tokens(String caption, String nextLine) {
        MetricInputs.requireText(caption, "caption");
        String text = caption.replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<")
                .replace("&gt;", ">");
        int[] cps = PythonText.codePoints(text + "\n" + nextLine);
        int end = text.codePointCount(0, text.length());
        List<String> raw = new ArrayList<>();
        int i = 0;
        while (i < end) {
            int c = cps[i];
            int urlEnd = isSpace(c) ? -1 : urlOrEmailEnd(cps, i, end);
            if (isSpace(c)) {
                i++;
            } else if (urlEnd > 0) {
                raw.add(PythonText.fromCodePoints(cps, i, urlEnd));
                i = urlEnd;
            } else if (isWordChar(c)) {
                i = word(cps, i, end, raw);
            } else if ((c == '-' || c == '+') && i + 1 < end && Character.isDigit(cps[i + 1])
                    && (i == 0 || !isWordChar(cps[i - 1]))) {
                i = word(cps, i, end, raw); // a signed number
            } else {
                i = symbol(cps, i, end, raw);
            }
        }
        List<String> kept = new ArrayList<>();
        for (String token : raw) {
            // CoreNLP lower-cases its output (-LRB- too) before pycocoevalcap compares with the drop list
            String lower = token.toLowerCase(Locale.ENGLISH);
            if (!DROPPED.contains(lower)) {
                kept.add(lower);
            }
        }
        return kept;
    }

    private static final java.util.regex.Pattern URL_OR_EMAIL = java.util.regex.Pattern.compile(
            "(?:https?://|www\\.)\\S+|[A-Za-z0-9][^\\s\"<>|()]*@[^\\s\"<>|().]+(?:\\.[^\\s\"<>|().]+)+");

    /** End of a URL or e-mail address starting at {@code start} (trailing punctuation excluded), or -1. */
    private static int urlOrEmailEnd(int[] cps, int start, int end) {
        if (start > 0 && !isSpace(cps[start - 1])) {
            return -1;
        }
        int runEnd = start;
        while (runEnd < end && !isSpace(cps[runEnd])) {
            runEnd++;
        }
        while (runEnd > start && ".,;:!?)'\"".indexOf(cps[runEnd - 1]) >= 0) {
            runEnd--;
        }
        String run = PythonText.fromCodePoints(cps, start, runEnd);
        return URL_OR_EMAIL.matcher(run).matches() ? runEnd : -1;
    }

    private static boolean isSpace(int c) {
        return Character.isWhitespace(c) || PythonText.isSpace(c);
    }

    private static boolean isWordChar(int c) {
        return Character.isLetterOrDigit(c) || Character.getType(c) == Character.NON_SPACING_MARK
                || c == '\u00ad';
    }

    private static boolean isApostrophe(int c) {
        return c == '\'' || c == '\u2019';
    }

    private static int word(int[] cps, int start, int end, List<String> out) {
        int i = start + 1;
        // word characters, joined across single internal hyphens, slashes and apostrophes, and across . , : between
        // digits
        while (i < end) {
            if (isWordChar(cps[i])) {
                i++;
                continue;
            }
            boolean next = i + 1 < end && isWordChar(cps[i + 1]);
            boolean joins = cps[i] == '-' || cps[i] == '/' || isApostrophe(cps[i])
                    || ((cps[i] == '.' || cps[i] == ',' || cps[i] == ':') && Character.isDigit(cps[i - 1])
                    && i + 1 < end && Character.isDigit(cps[i + 1]));
            if (joins && next) {
                i++;
                continue;
            }
            break;
        }
        String word = PythonText.fromCodePoints(cps, start, i);
        if (i < end && cps[i] == '.') {
            int acronym = acronymEnd(cps, start, end);
            if (acronym > 0) {
                out.add(PythonText.fromCodePoints(cps, start, acronym));
                return acronym;
            }
            boolean singleLetter = i == start + 1 && Character.isLetter(cps[start]);
            boolean beforeInSentencePunctuation = i + 1 < end
                    && (cps[i + 1] == ',' || cps[i + 1] == ';' || cps[i + 1] == ':');
            if ((singleLetter && !sentenceStartFollows(cps, i + 1)) || beforeInSentencePunctuation
                    || ABBREVIATIONS.contains(word.toLowerCase(Locale.ENGLISH))) {
                addWord(word + ".", out);
                return i + 1;
            }
        }
        addWord(word, out);
        return i;
    }

    /** Whether whitespace and then one of CoreNLP's typical sentence starts (and a space) follow. */
    private static boolean sentenceStartFollows(int[] cps, int from) {
        int i = from;
        if (i >= cps.length || !isSpace(cps[i])) {
            return false;
        }
        while (i < cps.length && isSpace(cps[i])) {
            i++;
        }
        int wordEnd = i;
        while (wordEnd < cps.length && !isSpace(cps[wordEnd])) {
            wordEnd++;
        }
        return wordEnd < cps.length && cps[wordEnd] != '\n'
                && SENTENCE_STARTS.contains(PythonText.fromCodePoints(cps, i, wordEnd));
    }

    /** End (after the last period) of a letter-dot acronym of two or more letters such as u.s., or -1. */
    private static int acronymEnd(int[] cps, int start, int end) {
        int i = start;
        int letters = 0;
        while (i + 1 < end && Character.isLetter(cps[i]) && cps[i + 1] == '.') {
            letters++;
            i += 2;
        }
        if (letters < 2 || (i < end && isWordChar(cps[i]))) {
            return -1;
        }
        return i;
    }

    /** Splits clitics ('s, n't, ...) off a word, and "cannot" into "can not". */
    private static void addWord(String word, List<String> out) {
        String lower = word.toLowerCase(Locale.ENGLISH).replace('\u2019', '\'');
        if (lower.equals("cannot")) {
            out.add(word.substring(0, 3));
            out.add(word.substring(3));
            return;
        }
        if (lower.length() > 3 && lower.endsWith("n't")) {
            out.add(word.substring(0, word.length() - 3));
            out.add(word.substring(word.length() - 3));
            return;
        }
        int apostrophe = lower.lastIndexOf('\'');
        if (apostrophe > 0 && CLITICS.contains(lower.substring(apostrophe + 1))) {
            out.add(word.substring(0, apostrophe));
            out.add(word.substring(apostrophe));
            return;
        }
        out.add(word);
    }

    private static int symbol(int[] cps, int start, int end, List<String> out) {
        int c = cps[start];
        if (c == '.' || c == '\u2026') {
            int i = start;
            while (i < end && cps[i] == '.') {
                i++;
            }
            if (c == '\u2026' || i - start >= 3) {
                out.add("...");
                return c == '\u2026' ? start + 1 : i;
            }
            out.add(".");
            return start + 1;
        }
        if (c == '-' || c == '\u2013' || c == '\u2014' || c == '\u2015') {
            int i = start;
            while (i < end && cps[i] == '-') {
                i++;
            }
            out.add(c != '-' || i - start >= 2 ? "--" : "-");
            return c != '-' ? start + 1 : i;
        }
        if (c == '"' || c == '\u201c' || c == '\u201d' || c == '`' || c == '\u2018' || isApostrophe(c)) {
            if (isApostrophe(c) && start > 0 && isWordChar(cps[start - 1])) {
                // a clitic written after its word, such as the 's of "there's"
                int i = start + 1;
                while (i < end && Character.isLetter(cps[i])) {
                    i++;
                }
                String rest = PythonText.fromCodePoints(cps, start + 1, i).toLowerCase(Locale.ENGLISH);
                if (CLITICS.contains(rest) && (i >= end || !isWordChar(cps[i]))) {
                    out.add("'" + rest);
                    return i;
                }
            }
            out.add(c == '"' || c == '\u201c' || c == '\u201d' ? "''" : "'"); // quotes are all dropped
            return start + 1;
        }
        String normalized = switch (c) {
            case '(' -> "-LRB-";
            case ')' -> "-RRB-";
            case '[' -> "-LSB-";
            case ']' -> "-RSB-";
            case '{' -> "-LCB-";
            case '}' -> "-RCB-";
            case '\u00a3' -> "#";
            case '\u00a2' -> "cents";
            case '\u20ac', '\u00a5', '\u00a4', '\u20a0', '\u20a4', '\u060b', '\u0e3f', '\uffe0', '\uffe1',
                    '\uffe5', '\uffe6' -> "$";
            default -> new String(Character.toChars(c));
        };
        out.add(normalized);
        return start + 1;
    }
}
