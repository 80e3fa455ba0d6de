package org.softprompt.tokenize;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * Builds the tokenizer.json that Hugging Face's transformers makes from GPT-2's vocab.json and merges.txt (its
 * GPT2Converter): a byte-level BPE model without unknown token, the ByteLevel pre-tokenizer (GPT-2's regular
 * expression, no prefix space by default), a ByteLevel post-processor that adds nothing, and the ByteLevel decoder.
 */
final class Gpt2TokenizerJson {
    private Gpt2TokenizerJson() {}

    /**
     * @param vocab token to id
     * @param merges merge rules, highest priority first
     * @param addPrefixSpace whether a space is put before the text (GPT-2: false; some checkpoints set it)
     * @param specialTokens tokens that become Hugging Face "added tokens" (matched whole in the text, skipped by
     *     {@code decode(ids, true)}); GPT-2's is &lt;|endoftext|&gt;. Tokens missing from {@code vocab} are left out.
     */
    static JsonObject build(Map<String, Integer> vocab, List<Merge> merges, boolean addPrefixSpace,
            List<String> specialTokens) {
        JsonObject vocabObject = Json.vocabulary(vocab);
        JsonArray mergeStrings = new JsonArray(merges.size());
        merges.forEach(m -> mergeStrings.add(m.left() + " " + m.right()));

        JsonObject model = Json.object(
                "type", "BPE",
                "dropout", null,
                "unk_token", null,
                "continuing_subword_prefix", "",
                "end_of_word_suffix", "",
                "fuse_unk", false,
                "byte_fallback", false,
                "vocab", vocabObject,
                "merges", mergeStrings);

        // No normalizer runs for GPT-2, so "normalized" changes nothing; Hugging Face's gpt2 file has true.
        JsonArray added = Json.addedTokens(specialTokens, vocab, true);

        return Json.object(
                "version", "1.0",
                "truncation", null,
                "padding", null,
                "added_tokens", added,
                "normalizer", null,
                "pre_tokenizer", byteLevel(addPrefixSpace, true),
                // trim_offsets=false: the post-processor then only concatenates, exactly as GPT2Converter sets it.
                "post_processor", byteLevel(true, false),
                "decoder", byteLevel(true, true),
                "model", model);
    }

    private static JsonObject byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        return Json.object(
                "type", "ByteLevel",
                "add_prefix_space", addPrefixSpace,
                "trim_offsets", trimOffsets,
                "use_regex", true);
    }
}
