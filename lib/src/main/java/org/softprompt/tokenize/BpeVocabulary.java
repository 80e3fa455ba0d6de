package org.softprompt.tokenize;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE vocabulary in GPT-2's format, as {@link ByteLevelBpeTrainer} learns it.
 *
 * @param vocab token (in byte characters) to id, ids 0..size-1 in order
 * @param merges merge rules, highest priority first
 * @param specialTokens the special tokens at the end of {@code vocab}
 */
public record BpeVocabulary(LinkedHashMap<String, Integer> vocab, List<Merge> merges, List<String> specialTokens) {
    public BpeVocabulary {
        vocab = new LinkedHashMap<>(vocab);
        merges = List.copyOf(merges);
        specialTokens = List.copyOf(specialTokens);
    }

    public int size() {
        return vocab.size();
    }

    /**
     * Writes {@code vocab.json}, {@code merges.txt} and {@code special_tokens_map.json} into {@code folder} (each
     * atomically), so that {@link Tokenizers#load} and Hugging Face's {@code GPT2TokenizerFast.from_pretrained} read
     * it. If &lt;|endoftext|&gt; is among the special tokens it is BOS, EOS and UNK, as in GPT-2; the other special
     * tokens are listed as additional special tokens.
     */
    public void save(Path folder) throws IOException {
        VocabularyFiles.writeVocabJson(folder.resolve("vocab.json"), vocab);
        VocabularyFiles.writeMerges(folder.resolve("merges.txt"), merges);
        JsonObject map = new JsonObject();
        roles().forEach((role, token) -> map.addProperty(role.configKey(), token));
        JsonArray additional = new JsonArray();
        additionalSpecialTokens().forEach(additional::add);
        if (!additional.isEmpty()) {
            map.add("additional_special_tokens", additional);
        }
        VocabularyFiles.writeAtomically(folder.resolve("special_tokens_map.json"), Json.compact(map) + "\n");
    }

    /** A tokenizer for this vocabulary (Hugging Face's BPE on GPT-2's byte-level pre-tokenizer). */
    public Gpt2Tokenizer toTokenizer() {
        return Gpt2Tokenizer.fromVocabulary(vocab, merges, specialTokens, roles());
    }

    private Map<SpecialToken, String> roles() {
        Map<SpecialToken, String> roles = new EnumMap<>(SpecialToken.class);
        if (specialTokens.contains(Gpt2Tokenizer.END_OF_TEXT)) {
            roles.putAll(Gpt2Tokenizer.defaultSpecialTokens());
        }
        return roles;
    }

    private List<String> additionalSpecialTokens() {
        List<String> others = new ArrayList<>(specialTokens);
        others.remove(Gpt2Tokenizer.END_OF_TEXT);
        return others;
    }
}
