package org.softprompt.tokenize;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Text to token ids and back, giving exactly the ids of Hugging Face's (fast) tokenizer for the same checkpoint.
 * Implementations hold native memory: close them (try-with-resources) when done.
 *
 * <p>Unless a method says otherwise, encoding adds the model's special tokens as Hugging Face does by default:
 * BERT wraps text in [CLS] ... [SEP]; GPT-2 adds nothing. Special-token strings written in the text (such as
 * "[MASK]" or "&lt;|endoftext|&gt;") are recognised as those tokens, as Hugging Face does.
 */
public interface Tokenizer extends AutoCloseable {

    /** The ids of {@code text}, special tokens added. */
    default int[] encode(String text) {
        return encode(text, true);
    }

    /** The ids of {@code text}, with or without the model's special tokens. */
    default int[] encode(String text, boolean addSpecialTokens) {
        return encodeDetailed(text, addSpecialTokens).ids();
    }

    /** Ids, token strings, token type ids and special-token mask of {@code text}. */
    Encoding encodeDetailed(String text, boolean addSpecialTokens);

    /**
     * A text pair as one sequence, special tokens added (BERT: [CLS] first [SEP] second [SEP], type ids 0 then 1;
     * GPT-2: the two id lists concatenated, type ids 0 then 1).
     */
    Encoding encodePair(String first, String second);

    /** The token strings of {@code text} without special tokens (GPT-2 shows a leading space as "Ġ"). */
    default List<String> tokenize(String text) {
        return List.of(encodeDetailed(text, false).tokens());
    }

    /** Encodes texts as one rectangular batch according to {@code options} (see {@link EncodeOptions}). */
    BatchEncoding encodeBatch(List<String> texts, EncodeOptions options);

    /** Special tokens added, no truncation, padded on the right to the longest text. */
    default BatchEncoding encodeBatch(List<String> texts) {
        return encodeBatch(texts, EncodeOptions.defaults());
    }

    /** Encodes text pairs (first.get(i), second.get(i)) as one batch. */
    BatchEncoding encodePairBatch(List<String> first, List<String> second, EncodeOptions options);

    /** The text of {@code ids}, special tokens kept (Hugging Face's default). */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}. GPT-2 decoding is exact (decode(encode(s)) == s); BERT decoding joins "##" pieces and
     * removes the space before punctuation, as Hugging Face's WordPiece decoder does.
     */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** The number of ids, added tokens included (Hugging Face's {@code len(tokenizer)}). */
    int vocabSize();

    /** The id of a token string, if the vocabulary has it. */
    OptionalInt tokenToId(String token);

    /** The token string of an id, if the id is in the vocabulary. */
    Optional<String> idToToken(int id);

    /** The id of a special token, if this tokenizer has one in that role. */
    OptionalInt specialTokenId(SpecialToken role);

    /** The id of a special token; fails with a message naming the role when this tokenizer has none. */
    default int requireSpecialTokenId(SpecialToken role) {
        return specialTokenId(role).orElseThrow(() -> new IllegalStateException(
                "this tokenizer has no " + role + " token (Hugging Face's " + role.configKey() + ")"));
    }

    /** The token string of a special token, if this tokenizer has one in that role. */
    Optional<String> specialToken(SpecialToken role);

    /** Frees the native tokenizer. */
    @Override
    void close();
}
