package org.softprompt.backbone.easybert;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.softprompt.tokenize.BertOptions;
import org.softprompt.tokenize.BertTokenizer;

/**
 * Writes the tokenizer files of a Hugging Face BERT checkpoint from a WordPiece vocabulary:
 * {@code vocab.txt} (the slow BertTokenizer's input), {@code tokenizer_config.json} (with {@code do_lower_case}),
 * {@code special_tokens_map.json}, and {@code tokenizer.json} (the fast tokenizer, which DJL's
 * HuggingFaceTokenizer and transformers' BertTokenizerFast load directly). tokenizer.json is the definition that
 * {@link BertTokenizer#buildTokenizerJson} makes for bert-base's settings, as {@code BertTokenizer.fromVocabTxt}
 * does: BERT's normalizer, pre-tokenizer, WordPiece with "##" continuations and the [CLS] A [SEP] (B [SEP]) template.
 */
final class BertTokenizerFiles {
    static final List<String> SPECIAL_TOKENS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    private BertTokenizerFiles() {}

    /**
     * Parses vocab.txt: one token per line, the line number being the id.
     *
     * @param where names the file in error messages
     */
    static List<String> parseVocab(byte[] vocabFile, String where) {
        String text = new String(vocabFile, StandardCharsets.UTF_8);
        List<String> tokens = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!tokens.isEmpty() && tokens.get(tokens.size() - 1).isEmpty()) {
            tokens.remove(tokens.size() - 1); // the final newline
        }
        Set<String> seen = new HashSet<>();
        for (int id = 0; id < tokens.size(); id++) {
            String token = tokens.get(id);
            if (token.endsWith("\r")) {
                token = token.substring(0, token.length() - 1);
                tokens.set(id, token);
            }
            if (!seen.add(token)) {
                throw new IllegalStateException(where + ": token '" + token + "' appears twice (again at line "
                        + (id + 1) + ")");
            }
        }
        for (String special : SPECIAL_TOKENS) {
            if (!seen.contains(special)) {
                throw new IllegalStateException(where + " lacks the special token " + special);
            }
        }
        return tokens;
    }

    static void write(Path dir, byte[] vocabFile, List<String> vocab, boolean lowerCase, int maxLength)
            throws IOException {
        Files.write(dir.resolve("vocab.txt"), vocabFile);
        var gson = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

        JsonObject specialTokens = new JsonObject();
        specialTokens.addProperty("unk_token", "[UNK]");
        specialTokens.addProperty("sep_token", "[SEP]");
        specialTokens.addProperty("pad_token", "[PAD]");
        specialTokens.addProperty("cls_token", "[CLS]");
        specialTokens.addProperty("mask_token", "[MASK]");
        Files.writeString(dir.resolve("special_tokens_map.json"), gson.toJson(specialTokens) + "\n");

        JsonObject config = new JsonObject();
        config.addProperty("tokenizer_class", "BertTokenizer");
        config.addProperty("do_lower_case", lowerCase);
        config.addProperty("do_basic_tokenize", true);
        config.addProperty("tokenize_chinese_chars", true);
        config.add("strip_accents", JsonNull.INSTANCE);
        config.addProperty("model_max_length", maxLength);
        config.addProperty("clean_up_tokenization_spaces", true);
        specialTokens.entrySet().forEach(e -> config.add(e.getKey(), e.getValue()));
        Files.writeString(dir.resolve("tokenizer_config.json"), gson.toJson(config) + "\n");

        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int id = 0; id < vocab.size(); id++) {
            ids.put(vocab.get(id), id);
        }
        JsonObject fast = BertTokenizer.buildTokenizerJson(ids, BertOptions.uncased().withLowerCase(lowerCase));
        Files.writeString(dir.resolve("tokenizer.json"), gson.toJson(fast) + "\n");
    }
}
