package org.softprompt.tokenize;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the tokenizer of a Hugging Face checkpoint folder, choosing the files the way transformers does:
 * <ol>
 *   <li>{@code tokenizer.json} if present (a byte-level BPE model gives a {@link Gpt2Tokenizer}, a WordPiece model a
 *       {@link BertTokenizer});</li>
 *   <li>else {@code vocab.json} + {@code merges.txt}: GPT-2 family ({@code add_prefix_space} from
 *       tokenizer_config.json, default false);</li>
 *   <li>else {@code vocab.txt}: BERT family ({@code do_lower_case}, default true, {@code tokenize_chinese_chars} and
 *       {@code strip_accents} from tokenizer_config.json).</li>
 * </ol>
 * Special-token roles come from the family's defaults, overridden by tokenizer_config.json and then by
 * special_tokens_map.json, as in transformers.
 */
public final class Tokenizers {
    private Tokenizers() {}

    /** The tokenizer of a checkpoint folder, or of a tokenizer.json file given directly. */
    public static HuggingFaceBackedTokenizer load(Path checkpoint) throws IOException {
        if (Files.isRegularFile(checkpoint)) {
            return fromTokenizerJson(checkpoint, new JsonObject());
        }
        if (!Files.isDirectory(checkpoint)) {
            throw new TokenizerFileException(checkpoint, "no such checkpoint folder");
        }
        JsonObject config = readOptionalJson(checkpoint.resolve("tokenizer_config.json"));
        JsonObject specialTokensMap = readOptionalJson(checkpoint.resolve("special_tokens_map.json"));
        for (Map.Entry<String, JsonElement> entry : specialTokensMap.entrySet()) {
            config.add(entry.getKey(), entry.getValue());
        }

        Path tokenizerJson = checkpoint.resolve("tokenizer.json");
        Path vocabJson = checkpoint.resolve("vocab.json");
        Path merges = checkpoint.resolve("merges.txt");
        Path vocabTxt = checkpoint.resolve("vocab.txt");
        if (Files.exists(tokenizerJson)) {
            return fromTokenizerJson(tokenizerJson, config);
        }
        if (Files.exists(vocabJson) || Files.exists(merges)) {
            if (!Files.exists(merges)) {
                throw new TokenizerFileException(merges, "file not found; a GPT-2 checkpoint with vocab.json needs it");
            }
            if (!Files.exists(vocabJson)) {
                throw new TokenizerFileException(vocabJson,
                        "file not found; a GPT-2 checkpoint with merges.txt needs it");
            }
            boolean addPrefixSpace = Json.bool(config, "add_prefix_space").orElse(false);
            return Gpt2Tokenizer.fromVocabAndMerges(vocabJson, merges, addPrefixSpace,
                    roles(Gpt2Tokenizer.defaultSpecialTokens(), config), additionalSpecialTokens(config));
        }
        if (Files.exists(vocabTxt)) {
            BertOptions defaults = BertOptions.uncased();
            BertOptions options = new BertOptions(
                    Json.bool(config, "do_lower_case").orElse(true),
                    Json.bool(config, "tokenize_chinese_chars").orElse(true),
                    Json.bool(config, "strip_accents").orElse(null),
                    Json.tokenString(config, "unk_token").orElse(defaults.unkToken()),
                    Json.tokenString(config, "sep_token").orElse(defaults.sepToken()),
                    Json.tokenString(config, "pad_token").orElse(defaults.padToken()),
                    Json.tokenString(config, "cls_token").orElse(defaults.clsToken()),
                    Json.tokenString(config, "mask_token").orElse(defaults.maskToken()));
            return BertTokenizer.fromVocabTxt(vocabTxt, options);
        }
        throw new TokenizerFileException(checkpoint,
                "no tokenizer found; expected tokenizer.json, or vocab.json + merges.txt (GPT-2), or vocab.txt (BERT)");
    }

    private static HuggingFaceBackedTokenizer fromTokenizerJson(Path file, JsonObject config) throws IOException {
        JsonObject json = VocabularyFiles.readJsonObject(file);
        String modelType = json.has("model") && json.get("model").isJsonObject()
                ? Json.string(json.getAsJsonObject("model"), "type").orElse("?") : "?";
        if (modelType.equals("WordPiece")) {
            return BertTokenizer.fromTokenizerJson(file, roles(BertTokenizer.roles(BertOptions.uncased()), config));
        }
        if (modelType.equals("BPE") && mentionsByteLevel(json.get("pre_tokenizer"))) {
            return Gpt2Tokenizer.fromTokenizerJson(file, roles(Gpt2Tokenizer.defaultSpecialTokens(), config));
        }
        throw new TokenizerFileException(file, "model type " + modelType + (modelType.equals("BPE")
                ? " without a ByteLevel pre-tokenizer" : "") + " is not supported; softprompt reads byte-level BPE"
                + " (GPT-2 family) and WordPiece (BERT family) tokenizers");
    }

    private static boolean mentionsByteLevel(JsonElement preTokenizer) {
        if (preTokenizer == null || !preTokenizer.isJsonObject()) {
            return false;
        }
        JsonObject object = preTokenizer.getAsJsonObject();
        if (Json.string(object, "type").orElse("").equals("ByteLevel")) {
            return true;
        }
        if (object.has("pretokenizers") && object.get("pretokenizers").isJsonArray()) {
            for (JsonElement inner : object.getAsJsonArray("pretokenizers")) {
                if (mentionsByteLevel(inner)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Map<SpecialToken, String> roles(Map<SpecialToken, String> defaults, JsonObject config) {
        Map<SpecialToken, String> roles = new EnumMap<>(SpecialToken.class);
        roles.putAll(defaults);
        for (SpecialToken role : SpecialToken.values()) {
            Json.tokenString(config, role.configKey()).ifPresent(token -> roles.put(role, token));
        }
        return roles;
    }

    private static List<String> additionalSpecialTokens(JsonObject config) {
        List<String> tokens = new ArrayList<>();
        JsonElement list = config.get("additional_special_tokens");
        if (list != null && list.isJsonArray()) {
            for (JsonElement token : list.getAsJsonArray()) {
                JsonObject holder = new JsonObject();
                holder.add("token", token);
                Json.tokenString(holder, "token").ifPresent(tokens::add);
            }
        }
        return tokens;
    }

    private static JsonObject readOptionalJson(Path file) throws IOException {
        return Files.exists(file) ? VocabularyFiles.readJsonObject(file) : new JsonObject();
    }
}
