package org.softprompt.tokenize;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/** Small JSON helpers shared by the tokenizer.json builders and readers. */
final class Json {
    // serializeNulls: tokenizer.json spells out absent parts ("normalizer": null); no HTML escaping so special
    // tokens such as <|endoftext|> stay readable in written files.
    private static final Gson COMPACT = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private Json() {}

    static String compact(JsonElement element) {
        return COMPACT.toJson(element);
    }

    static JsonObject object(Object... keysAndValues) {
        JsonObject object = new JsonObject();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            object.add((String) keysAndValues[i], element(keysAndValues[i + 1]));
        }
        return object;
    }

    static JsonArray array(Object... values) {
        JsonArray array = new JsonArray();
        for (Object value : values) {
            array.add(element(value));
        }
        return array;
    }

    private static JsonElement element(Object value) {
        if (value == null) {
            return com.google.gson.JsonNull.INSTANCE;
        } else if (value instanceof JsonElement json) {
            return json;
        } else if (value instanceof String text) {
            return new JsonPrimitive(text);
        } else if (value instanceof Number number) {
            return new JsonPrimitive(number);
        } else if (value instanceof Boolean flag) {
            return new JsonPrimitive(flag);
        }
        throw new IllegalArgumentException("not a JSON value: " + value.getClass());
    }

    /** A vocabulary as tokenizer.json's model holds it: token to id, in id order. */
    static JsonObject vocabulary(Map<String, Integer> vocab) {
        JsonObject object = new JsonObject();
        vocab.entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .forEach(e -> object.addProperty(e.getKey(), e.getValue()));
        return object;
    }

    /**
     * tokenizer.json's "added_tokens": each of {@code tokens} that {@code vocab} has, once, in id order, as a special
     * token matched whole; {@code normalized} says whether it is matched in the normalized text.
     */
    static JsonArray addedTokens(Collection<String> tokens, Map<String, Integer> vocab, boolean normalized) {
        JsonArray added = new JsonArray();
        tokens.stream()
                .distinct()
                .filter(vocab::containsKey)
                .sorted((a, b) -> Integer.compare(vocab.get(a), vocab.get(b)))
                .forEach(token -> added.add(object(
                        "id", vocab.get(token),
                        "content", token,
                        "single_word", false,
                        "lstrip", false,
                        "rstrip", false,
                        "normalized", normalized,
                        "special", true)));
        return added;
    }

    /** A member that is a string, or (as tokenizer_config.json writes special tokens) an object with "content". */
    static Optional<String> tokenString(JsonObject object, String key) {
        JsonElement value = object.get(key);
        if (value == null || value.isJsonNull()) {
            return Optional.empty();
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return Optional.of(value.getAsString());
        }
        if (value.isJsonObject() && value.getAsJsonObject().has("content")) {
            return Optional.of(value.getAsJsonObject().get("content").getAsString());
        }
        return Optional.empty();
    }

    static Optional<Boolean> bool(JsonObject object, String key) {
        JsonElement value = object.get(key);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
            return Optional.empty();
        }
        return Optional.of(value.getAsBoolean());
    }

    static Optional<String> string(JsonObject object, String key) {
        JsonElement value = object.get(key);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            return Optional.empty();
        }
        return Optional.of(value.getAsString());
    }
}
