package org.softprompt.tokenize;

import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-2's byte-level BPE tokenizer, run by Hugging Face's Rust tokenizer: ids are those of transformers'
 * {@code GPT2TokenizerFast} (e.g. " Hello world" gives [18435, 995] with GPT-2's own vocabulary). It adds no special
 * tokens; &lt;|endoftext|&gt; (id 50256 in GPT-2) is BOS, EOS and UNK, and there is no PAD token unless a
 * checkpoint defines one (batch padding then uses EOS, masked out).
 */
public final class Gpt2Tokenizer extends HuggingFaceBackedTokenizer {
    /** GPT-2's only special token, which ends (and starts) documents. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private Gpt2Tokenizer(JsonObject tokenizerJson, Map<SpecialToken, String> specialTokens) {
        super(tokenizerJson, specialTokens);
    }

    /** From GPT-2's {@code vocab.json} and {@code merges.txt} (OpenAI's encoder.json and vocab.bpe). */
    public static Gpt2Tokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws IOException {
        return fromVocabAndMerges(vocabJson, mergesTxt, false, defaultSpecialTokens(), List.of());
    }

    /**
     * From {@code vocab.json} and {@code merges.txt} with a checkpoint's settings.
     *
     * @param addPrefixSpace put a space before the text, as tokenizer_config.json's add_prefix_space asks
     * @param roles the token of each special role (see {@link #defaultSpecialTokens()})
     * @param additionalSpecialTokens further tokens to match whole in text and skip when decoding
     */
    public static Gpt2Tokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt, boolean addPrefixSpace,
            Map<SpecialToken, String> roles, List<String> additionalSpecialTokens) throws IOException {
        Map<String, Integer> vocab = VocabularyFiles.readVocabJson(vocabJson);
        List<Merge> merges = VocabularyFiles.readMerges(mergesTxt);
        JsonObject json = Gpt2TokenizerJson.build(vocab, merges, addPrefixSpace,
                specialTokenList(roles, additionalSpecialTokens));
        return create(json, roles, mergesTxt, "the vocabulary " + vocabJson + " and merges");
    }

    /** From an in-memory vocabulary and merge list with GPT-2's special token. */
    public static Gpt2Tokenizer fromVocabulary(Map<String, Integer> vocab, List<Merge> merges) {
        return fromVocabulary(vocab, merges, List.of(END_OF_TEXT), defaultSpecialTokens());
    }

    /**
     * From an in-memory vocabulary and merge list (e.g. {@link BpeVocabulary#toTokenizer()}).
     *
     * @param specialTokens tokens of {@code vocab} to match whole in text and skip when decoding
     * @param roles the special token of each role
     */
    public static Gpt2Tokenizer fromVocabulary(Map<String, Integer> vocab, List<Merge> merges,
            List<String> specialTokens, Map<SpecialToken, String> roles) {
        return new Gpt2Tokenizer(
                Gpt2TokenizerJson.build(vocab, merges, false, specialTokenList(roles, specialTokens)), roles);
    }

    /** From a Hugging Face {@code tokenizer.json} of the GPT-2 family, with GPT-2's special-token roles. */
    public static Gpt2Tokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        return fromTokenizerJson(tokenizerJson, defaultSpecialTokens());
    }

    static Gpt2Tokenizer fromTokenizerJson(Path tokenizerJson, Map<SpecialToken, String> specialTokens)
            throws IOException {
        JsonObject json = VocabularyFiles.readJsonObject(tokenizerJson);
        return create(json, specialTokens, tokenizerJson, "this definition");
    }

    /** BOS, EOS and UNK are &lt;|endoftext|&gt;, as in transformers' GPT2Tokenizer. */
    public static Map<SpecialToken, String> defaultSpecialTokens() {
        Map<SpecialToken, String> roles = new EnumMap<>(SpecialToken.class);
        roles.put(SpecialToken.BOS, END_OF_TEXT);
        roles.put(SpecialToken.EOS, END_OF_TEXT);
        roles.put(SpecialToken.UNK, END_OF_TEXT);
        return roles;
    }

    /** The id of &lt;|endoftext|&gt; (or of the checkpoint's EOS token). */
    public int endOfTextId() {
        return requireSpecialTokenId(SpecialToken.EOS);
    }

    private static List<String> specialTokenList(Map<SpecialToken, String> roles, List<String> additional) {
        List<String> tokens = new java.util.ArrayList<>(roles.values());
        tokens.addAll(additional);
        return tokens;
    }

    private static Gpt2Tokenizer create(JsonObject json, Map<SpecialToken, String> specialTokens, Path file,
            String what) throws TokenizerFileException {
        try {
            return new Gpt2Tokenizer(json, specialTokens);
        } catch (RuntimeException e) {
            throw new TokenizerFileException(file, "Hugging Face's tokenizer could not be built from " + what + ": "
                    + e.getMessage(), e);
        }
    }
}
