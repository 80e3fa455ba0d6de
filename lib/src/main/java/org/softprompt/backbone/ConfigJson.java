package org.softprompt.backbone;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads fields of a Hugging Face config.json so that every problem names the file and the field. Absent and
 * {@code null} fields take the default that transformers uses.
 */
final class ConfigJson {
    static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
            .create();

    private final JsonObject json;
    private final String source;

    ConfigJson(JsonObject json, String source) {
        this.json = json;
        this.source = source;
    }

    /** Reads {@code path}: a config.json file, or a folder holding one. */
    static ConfigJson read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(Checkpoint.CONFIG_FILE) : path;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + " does not exist; a Hugging Face checkpoint folder has a "
                    + Checkpoint.CONFIG_FILE + " next to its weights");
        }
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new ConfigException(file + " is not a JSON object");
            }
            return new ConfigJson(root.getAsJsonObject(), file.toString());
        } catch (JsonParseException e) {
            throw new ConfigException(file + " is not valid JSON: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    JsonObject json() {
        return json;
    }

    String source() {
        return source;
    }

    /** Fails unless model_type is one of {@code expected} (when present). */
    String modelType(String... expected) {
        String type = string("model_type", expected[0]);
        for (String candidate : expected) {
            if (candidate.equals(type)) {
                return type;
            }
        }
        throw error("model_type", "is '" + type + "', expected " + String.join(" or ", expected));
    }

    int positiveInt(String field) {
        JsonPrimitive value = primitive(field);
        if (value == null) {
            throw error(field, "is missing (expected a positive integer)");
        }
        return positive(field, value);
    }

    int positiveInt(String field, int fallback) {
        JsonPrimitive value = primitive(field);
        return value == null ? fallback : positive(field, value);
    }

    int integer(String field, int fallback) {
        JsonPrimitive value = primitive(field);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber() || value.getAsDouble() != Math.rint(value.getAsDouble())) {
            throw error(field, "is " + value + ", expected an integer");
        }
        return value.getAsInt();
    }

    private int positive(String field, JsonPrimitive value) {
        if (!value.isNumber() || value.getAsDouble() != Math.rint(value.getAsDouble()) || value.getAsLong() <= 0) {
            throw error(field, "is " + value + ", expected a positive integer");
        }
        return value.getAsInt();
    }

    double number(String field, double fallback) {
        JsonPrimitive value = primitive(field);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw error(field, "is " + value + ", expected a number");
        }
        return value.getAsDouble();
    }

    /** A probability in [0, 1). */
    double probability(String field, double fallback) {
        double p = number(field, fallback);
        if (!(p >= 0 && p < 1)) {
            throw error(field, "is " + p + ", expected a dropout probability in [0, 1)");
        }
        return p;
    }

    boolean bool(String field, boolean fallback) {
        JsonPrimitive value = primitive(field);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw error(field, "is " + value + ", expected true or false");
        }
        return value.getAsBoolean();
    }

    String string(String field, String fallback) {
        JsonPrimitive value = primitive(field);
        if (value == null) {
            return fallback;
        }
        if (!value.isString()) {
            throw error(field, "is " + value + ", expected a string");
        }
        return value.getAsString();
    }

    Activation activation(String field, String fallback) {
        String name = string(field, fallback);
        Activation activation = Activation.fromHuggingFace(name);
        if (activation == null) {
            throw error(field, "is '" + name + "', expected one of " + Activation.supportedNames());
        }
        return activation;
    }

    /** Fails when a feature this implementation does not have is switched on. */
    void requireAbsentOrFalse(String field, String why) {
        if (bool(field, false)) {
            throw error(field, "is true, which is not supported: " + why);
        }
    }

    ConfigException error(String field, String problem) {
        return new ConfigException(source + ": field '" + field + "' " + problem);
    }

    private JsonPrimitive primitive(String field) {
        JsonElement element = json.get(field);
        if (element == null || element.isJsonNull()) {
            return null;
        }
        if (!element.isJsonPrimitive()) {
            throw error(field, "is " + element + ", expected a single value");
        }
        return element.getAsJsonPrimitive();
    }

    /** A deep copy of {@code base} (or an empty object) to write a config from. */
    static JsonObject copyOf(JsonObject base) {
        return base == null ? new JsonObject() : base.deepCopy();
    }

    /** Writes {@code json} to {@code dir}/config.json atomically. */
    static void write(JsonObject json, Path dir) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(Checkpoint.CONFIG_FILE);
            Path temp = Files.createTempFile(dir, ".config", ".json.tmp");
            try {
                Files.writeString(temp, PRETTY.toJson(json) + "\n", StandardCharsets.UTF_8);
                Safetensors.moveAtomically(temp, target);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(Checkpoint.CONFIG_FILE) + ": "
                    + e.getMessage(), e);
        }
    }
}
