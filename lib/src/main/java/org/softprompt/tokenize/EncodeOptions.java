package org.softprompt.tokenize;

/**
 * How a batch is encoded, with Hugging Face's meanings: {@code tokenizer(texts, add_special_tokens=...,
 * truncation=True, max_length=..., padding=...)} and {@code tokenizer.padding_side}.
 *
 * @param addSpecialTokens add the model's special tokens (BERT: [CLS] ... [SEP]; GPT-2 adds none)
 * @param maxLength 0 for no truncation; otherwise every sequence, special tokens included, is cut to this many tokens
 *     (for pairs, tokens are removed one at a time from the longer text: Hugging Face's "longest_first")
 * @param padding whether and to what length sequences are padded
 * @param paddingSide where padding goes; LEFT suits batched generation with decoder-only models
 */
public record EncodeOptions(boolean addSpecialTokens, int maxLength, Padding padding, PaddingSide paddingSide) {
    /** Padding strategies, as Hugging Face names them. */
    public enum Padding {
        /** Rows keep their own lengths. */
        NONE,
        /** Rows are padded to the longest row of the batch. */
        LONGEST,
        /** Rows are padded to {@code maxLength}. */
        MAX_LENGTH
    }

    public enum PaddingSide { RIGHT, LEFT }

    public EncodeOptions {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must be 0 (no truncation) or positive, got " + maxLength);
        }
        if (padding == Padding.MAX_LENGTH && maxLength == 0) {
            throw new IllegalArgumentException("padding MAX_LENGTH needs a maxLength");
        }
        if (padding == null || paddingSide == null) {
            throw new IllegalArgumentException("padding and paddingSide must not be null");
        }
    }

    /** Special tokens added, no truncation, padded on the right to the longest row. */
    public static EncodeOptions defaults() {
        return new EncodeOptions(true, 0, Padding.LONGEST, PaddingSide.RIGHT);
    }

    public EncodeOptions withSpecialTokens(boolean add) {
        return new EncodeOptions(add, maxLength, padding, paddingSide);
    }

    /** Truncates every row to {@code length} tokens (special tokens included). */
    public EncodeOptions truncateTo(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("truncation length must be positive, got " + length);
        }
        return new EncodeOptions(addSpecialTokens, length, padding, paddingSide);
    }

    public EncodeOptions withPadding(Padding newPadding) {
        return new EncodeOptions(addSpecialTokens, maxLength, newPadding, paddingSide);
    }

    public EncodeOptions withPaddingSide(PaddingSide side) {
        return new EncodeOptions(addSpecialTokens, maxLength, padding, side);
    }
}
