package org.softprompt.tokenize;

import java.util.Arrays;

/**
 * One encoded text (or text pair), as Hugging Face's tokenizer returns it.
 *
 * @param ids the token ids, special tokens included when they were asked for
 * @param typeIds the segment of each token: 0 for the first text, 1 for the second of a pair (BERT's token_type_ids)
 * @param tokens the token strings (GPT-2 writes bytes as characters, e.g. "Ġworld"; BERT continuations start "##")
 * @param specialTokensMask 1 where the tokenizer added a special token, else 0
 */
public record Encoding(int[] ids, int[] typeIds, String[] tokens, int[] specialTokensMask) {
    public Encoding {
        if (typeIds.length != ids.length || tokens.length != ids.length || specialTokensMask.length != ids.length) {
            throw new IllegalArgumentException("ids, typeIds, tokens and specialTokensMask differ in length");
        }
    }

    public int length() {
        return ids.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Encoding that
                && Arrays.equals(ids, that.ids)
                && Arrays.equals(typeIds, that.typeIds)
                && Arrays.equals(tokens, that.tokens)
                && Arrays.equals(specialTokensMask, that.specialTokensMask);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(typeIds);
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(tokens) + " ids=" + Arrays.toString(ids);
    }
}
