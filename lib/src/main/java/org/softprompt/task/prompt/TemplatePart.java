package org.softprompt.task.prompt;

/**
 * One piece of a parsed {@link Template}. {@code spaceBefore} records whether the template had whitespace before
 * the piece: byte-level tokenizers (GPT-2) encode " word" and "word" differently, so rendering puts the space back
 * in front of the piece's text; WordPiece (BERT) ignores it.
 */
public sealed interface TemplatePart {

    /** An input field, written {@code {name}}. */
    record Field(String name, boolean spaceBefore) implements TemplatePart {}

    /** Real words of the template (anchors such as "It was" or "?"), tokenized as they are. */
    record Text(String text, boolean spaceBefore) implements TemplatePart {}

    /** The answer slot, written [MASK]. */
    record Mask(boolean spaceBefore) implements TemplatePart {}

    /**
     * A pseudo (soft) token, written [P] or [P:word]: its input embedding is learned. {@code initWord} (or null) is
     * a real word whose embedding initializes it.
     */
    record Pseudo(int index, String initWord) implements TemplatePart {}
}
