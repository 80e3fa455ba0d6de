package org.softprompt.task.prompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.softprompt.tokenize.Encoding;
import org.softprompt.tokenize.SpecialToken;
import org.softprompt.tokenize.Tokenizer;

/**
 * A prompt template: input fields, real words, pseudo tokens and one answer slot, e.g.
 * <pre>
 * "[P][P][P] [MASK] [P][P][P] {x} [P][P][P]"   P-tuning on LAMA (Liu et al. 2021)
 * "{sentence} It was [MASK] ."                  a manual (discrete) prompt
 * "{premise} [MASK] {hypothesis}"               a null prompt (Logan IV et al. 2022)
 * "[P:great] {sentence} [MASK]"                 a pseudo token initialized from the word "great"
 * </pre>
 * {@code {name}} is an input field, {@code [MASK]} the answer slot (exactly one), {@code [P]} or
 * {@code [P:word]} a pseudo token, anything else real text. Each piece is tokenized on its own (with a leading space
 * where the template has one, which matters for GPT-2) and the model's special tokens wrap the whole.
 *
 * <p>Truncation never touches the template's own tokens: when a rendering exceeds the maximum length, tokens are
 * cut one at a time from the end of the currently longest field (the first such field on ties), so [MASK] and every
 * pseudo token always stay inside. A template whose fixed tokens alone exceed the length is an error.
 */
public final class Template {
    private static final Pattern MARKER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}|\\[MASK]|\\[P(?::([^\\]]+))?]");

    private final String source;
    private final List<TemplatePart> parts;
    private final List<String> fields;
    private final List<String> pseudoInitWords;
    private final boolean answerSpaceBefore;

    private Template(String source, List<TemplatePart> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
        Set<String> names = new LinkedHashSet<>();
        List<String> initWords = new ArrayList<>();
        int masks = 0;
        boolean space = false;
        for (TemplatePart part : parts) {
            if (part instanceof TemplatePart.Field f) {
                names.add(f.name());
            } else if (part instanceof TemplatePart.Pseudo p) {
                initWords.add(p.initWord());
            } else if (part instanceof TemplatePart.Mask m) {
                masks++;
                space = m.spaceBefore();
            }
        }
        if (masks != 1) {
            throw new IllegalArgumentException("template \"" + source + "\" must have exactly one [MASK] (the answer "
                    + "slot), found " + masks);
        }
        this.fields = List.copyOf(names);
        this.pseudoInitWords = Collections.unmodifiableList(initWords);
        this.answerSpaceBefore = space;
    }

    /** Parses a template; fails naming the template when it has no [MASK] or several. */
    public static Template parse(String template) {
        List<TemplatePart> parts = new ArrayList<>();
        Matcher matcher = MARKER.matcher(template);
        int end = 0;
        int pseudo = 0;
        while (matcher.find()) {
            String before = template.substring(end, matcher.start());
            addText(parts, before);
            // Whitespace at the very start of the template has nothing to separate.
            boolean space = !parts.isEmpty() && Character.isWhitespace(template.charAt(matcher.start() - 1));
            String token = matcher.group();
            if (matcher.group(1) != null) {
                parts.add(new TemplatePart.Field(matcher.group(1), space));
            } else if (token.equals("[MASK]")) {
                parts.add(new TemplatePart.Mask(space));
            } else {
                String init = matcher.group(2);
                parts.add(new TemplatePart.Pseudo(pseudo++, init == null ? null : init.strip()));
            }
            end = matcher.end();
        }
        addText(parts, template.substring(end));
        return new Template(template, parts);
    }

    private static void addText(List<TemplatePart> parts, String text) {
        String words = text.strip();
        if (!words.isEmpty()) {
            parts.add(new TemplatePart.Text(words, !parts.isEmpty() && Character.isWhitespace(text.charAt(0))));
        }
    }

    public String source() {
        return source;
    }

    public List<TemplatePart> parts() {
        return parts;
    }

    /** The input field names, in order of first appearance. */
    public List<String> fields() {
        return fields;
    }

    /** The number of pseudo tokens. */
    public int pseudoCount() {
        return pseudoInitWords.size();
    }

    /** For each pseudo token, the word that initializes it, or null. */
    public List<String> pseudoInitWords() {
        return pseudoInitWords;
    }

    /** Whether the template has whitespace before [MASK]: a GPT-2 answer word then starts with a space. */
    public boolean answerSpaceBefore() {
        return answerSpaceBefore;
    }

    /** The template as written. */
    @Override
    public String toString() {
        return source;
    }

    /**
     * Renders one example.
     *
     * @param values a value for every field (more are ignored)
     * @param maxLength the maximum number of tokens, special tokens included; 0 for no limit
     */
    public RenderedPrompt render(Map<String, String> values, Tokenizer tokenizer, AnswerSlot slot, int maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must be 0 (no limit) or positive, got " + maxLength);
        }
        if (slot == AnswerSlot.NEXT_TOKEN && !(parts.get(parts.size() - 1) instanceof TemplatePart.Mask)) {
            throw new IllegalArgumentException("template \"" + source + "\": for a causal LM the answer is the next "
                    + "token, so [MASK] must end the template");
        }
        SpecialTokens special = SpecialTokens.of(tokenizer, slot);
        List<int[]> pieces = new ArrayList<>(parts.size());
        List<Integer> fieldPieces = new ArrayList<>();
        for (TemplatePart part : parts) {
            if (part instanceof TemplatePart.Field f) {
                String value = values.get(f.name());
                if (value == null) {
                    throw new IllegalArgumentException("template \"" + source + "\" needs a value for field {"
                            + f.name() + "}; given: " + values.keySet());
                }
                fieldPieces.add(pieces.size());
                pieces.add(words(tokenizer, value.strip(), f.spaceBefore()));
            } else if (part instanceof TemplatePart.Text t) {
                pieces.add(words(tokenizer, t.text(), t.spaceBefore()));
            } else if (part instanceof TemplatePart.Pseudo p) {
                pieces.add(new int[] {RenderedPrompt.pseudoId(p.index())});
            } else {
                pieces.add(slot == AnswerSlot.MASK_TOKEN
                        ? new int[] {tokenizer.requireSpecialTokenId(SpecialToken.MASK)} : new int[0]);
            }
        }
        int[] lengths = pieces.stream().mapToInt(p -> p.length).toArray();
        int truncated = truncate(lengths, fieldPieces, special.prefix.length + special.suffix.length, maxLength);

        int total = special.prefix.length + special.suffix.length + Arrays.stream(lengths).sum();
        int[] ids = new int[total];
        int[] pseudoPositions = new int[pseudoCount()];
        int at = 0;
        for (int id : special.prefix) {
            ids[at++] = id;
        }
        int answer = -1;
        for (int i = 0; i < parts.size(); i++) {
            TemplatePart part = parts.get(i);
            if (part instanceof TemplatePart.Mask) {
                answer = slot == AnswerSlot.MASK_TOKEN ? at : at - 1;
            } else if (part instanceof TemplatePart.Pseudo p) {
                pseudoPositions[p.index()] = at;
            }
            System.arraycopy(pieces.get(i), 0, ids, at, lengths[i]);
            at += lengths[i];
        }
        for (int id : special.suffix) {
            ids[at++] = id;
        }
        if (answer < 0) {
            throw new IllegalArgumentException("template \"" + source + "\": nothing precedes [MASK], so a causal LM "
                    + "has no position to predict the answer from");
        }
        return new RenderedPrompt(ids, answer, pseudoPositions, truncated);
    }

    /**
     * Shortens {@code lengths} of the field pieces in place until the total fits, one token at a time from the
     * longest field; returns how many tokens were cut.
     */
    private int truncate(int[] lengths, List<Integer> fieldPieces, int specialCount, int maxLength) {
        if (maxLength == 0) {
            return 0;
        }
        int total = specialCount + Arrays.stream(lengths).sum();
        int fixed = total - fieldPieces.stream().mapToInt(i -> lengths[i]).sum();
        if (fixed > maxLength) {
            throw new IllegalArgumentException("template \"" + source + "\" needs " + fixed + " tokens without its "
                    + "fields (special tokens, words, pseudo tokens, [MASK]), more than the maximum length "
                    + maxLength);
        }
        int cut = 0;
        while (total > maxLength) {
            int longest = -1;
            for (int piece : fieldPieces) {
                if (longest < 0 || lengths[piece] > lengths[longest]) {
                    longest = piece;
                }
            }
            lengths[longest]--;
            total--;
            cut++;
        }
        return cut;
    }

    private static int[] words(Tokenizer tokenizer, String text, boolean spaceBefore) {
        if (text.isEmpty()) {
            return new int[0];
        }
        return tokenizer.encode(spaceBefore ? " " + text : text, false);
    }

    /** The model's special tokens before and after a single text (BERT: [CLS] and [SEP]; GPT-2: none). */
    private record SpecialTokens(int[] prefix, int[] suffix) {
        static SpecialTokens of(Tokenizer tokenizer, AnswerSlot slot) {
            Encoding probe = tokenizer.encodeDetailed("a", true);
            int[] mask = probe.specialTokensMask();
            int first = 0;
            while (first < mask.length && mask[first] == 1) {
                first++;
            }
            int last = mask.length - 1;
            while (last >= 0 && mask[last] == 1) {
                last--;
            }
            if (first > last) {
                throw new IllegalStateException("the tokenizer encodes \"a\" as special tokens only: "
                        + Arrays.toString(probe.tokens()));
            }
            int[] suffix = Arrays.copyOfRange(probe.ids(), last + 1, probe.ids().length);
            // A causal LM predicts the answer after the last token: nothing may follow it.
            return new SpecialTokens(Arrays.copyOfRange(probe.ids(), 0, first),
                    slot == AnswerSlot.NEXT_TOKEN ? new int[0] : suffix);
        }
    }
}
