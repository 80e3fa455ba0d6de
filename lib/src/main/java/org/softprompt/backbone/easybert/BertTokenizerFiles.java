package org.softprompt.backbone.easybert;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes the tokenizer files of a Hugging Face BERT checkpoint from a WordPiece vocabulary:
 * {@code vocab.txt} (the slow BertTokenizer's input), {@code tokenizer_config.json} (with {@code do_lower_case}),
 * {@code special_tokens_map.json}, and {@code tokenizer.json} (the fast tokenizer, which DJL's
 * HuggingFaceTokenizer and transformers' BertTokenizerFast load directly). tokenizer.json spells out what
 * BertTokenizer does: BERT's normalizer (clean text, split CJK characters, lower-case and strip accents for uncased
 * models), BERT's pre-tokenizer (whitespace and punctuation), greedy longest-match WordPiece with "##"
 * continuations, and the [CLS] A [SEP] (B [SEP]) template with token types 0 and 1.
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

        Files.writeString(dir.resolve("tokenizer.json"), gson.toJson(fastTokenizer(vocab, lowerCase)) + "\n");
    }

    private static JsonObject fastTokenizer(List<String> vocab, boolean lowerCase) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);

        JsonArray added = new JsonArray();
        for (String special : SPECIAL_TOKENS) {
            JsonObject token = new JsonObject();
            token.addProperty("id", vocab.indexOf(special));
            token.addProperty("content", special);
            token.addProperty("single_word", false);
            token.addProperty("lstrip", false);
            token.addProperty("rstrip", false);
            token.addProperty("normalized", false);
            token.addProperty("special", true);
            added.add(token);
        }
        root.add("added_tokens", added);

        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("type", "BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.add("strip_accents", JsonNull.INSTANCE); // null: strip exactly when lower-casing, as BERT does
        normalizer.addProperty("lowercase", lowerCase);
        root.add("normalizer", normalizer);

        JsonObject preTokenizer = new JsonObject();
        preTokenizer.addProperty("type", "BertPreTokenizer");
        root.add("pre_tokenizer", preTokenizer);

        JsonObject postProcessor = new JsonObject();
        postProcessor.addProperty("type", "TemplateProcessing");
        postProcessor.add("single", template(special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)));
        postProcessor.add("pair", template(special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0),
                sequence("B", 1), special("[SEP]", 1)));
        JsonObject templateTokens = new JsonObject();
        for (String token : List.of("[CLS]", "[SEP]")) {
            JsonObject spec = new JsonObject();
            spec.addProperty("id", token);
            JsonArray ids = new JsonArray();
            ids.add(vocab.indexOf(token));
            spec.add("ids", ids);
            JsonArray tokens = new JsonArray();
            tokens.add(token);
            spec.add("tokens", tokens);
            templateTokens.add(token, spec);
        }
        postProcessor.add("special_tokens", templateTokens);
        root.add("post_processor", postProcessor);

        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "WordPiece");
        decoder.addProperty("prefix", "##");
        decoder.addProperty("cleanup", true);
        root.add("decoder", decoder);

        JsonObject model = new JsonObject();
        model.addProperty("type", "WordPiece");
        model.addProperty("unk_token", "[UNK]");
        model.addProperty("continuing_subword_prefix", "##");
        model.addProperty("max_input_chars_per_word", 100);
        JsonObject ids = new JsonObject();
        for (int id = 0; id < vocab.size(); id++) {
            ids.addProperty(vocab.get(id), id);
        }
        model.add("vocab", ids);
        root.add("model", model);
        return root;
    }

    private static JsonArray template(JsonObject... pieces) {
        JsonArray array = new JsonArray();
        for (JsonObject piece : pieces) {
            array.add(piece);
        }
        return array;
    }

    private static JsonObject special(String token, int typeId) {
        return piece("SpecialToken", token, typeId);
    }

    private static JsonObject sequence(String which, int typeId) {
        return piece("Sequence", which, typeId);
    }

    private static JsonObject piece(String kind, String id, int typeId) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", typeId);
        JsonObject outer = new JsonObject();
        outer.add(kind, inner);
        return outer;
    }
}
