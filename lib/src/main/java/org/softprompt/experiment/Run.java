package org.softprompt.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One independent run of a sweep: a configuration (name to a string, number or boolean) and a seed. It is plain
 * data, serializable as JSON, so a sweep can be cached on disk or handed to another machine.
 */
public record Run(Map<String, Object> config, long seed) implements Serializable {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public Run {
        Map<String, Object> copy = new LinkedHashMap<>();
        config.forEach((key, value) -> {
            if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                throw new IllegalArgumentException("config value '" + key + "' must be a string, number or boolean,"
                        + " got " + (value == null ? "null" : value.getClass().getSimpleName()));
            }
            copy.put(key, value);
        });
        config = Collections.unmodifiableMap(copy);
    }

    public String string(String key) {
        return String.valueOf(require(key));
    }

    public int integer(String key) {
        return ((Number) require(key)).intValue();
    }

    public double number(String key) {
        return ((Number) require(key)).doubleValue();
    }

    public boolean flag(String key) {
        return (Boolean) require(key);
    }

    private Object require(String key) {
        Object value = config.get(key);
        if (value == null) {
            throw new IllegalArgumentException("run has no config value '" + key + "'; it has " + config.keySet());
        }
        return value;
    }

    /** A stable identifier of the configuration and seed (key order does not matter), used as a cache key. */
    public String id() {
        String canonical = GSON.toJson(new TreeMap<>(config)) + "#" + seed;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return config + " seed=" + seed;
    }
}
