package org.softprompt.notebook;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One output for a notebook: the same content in several MIME types, from which the front end picks the richest it
 * can render (Jupyter's "mime bundle"). Every bundle has {@code text/plain}, which is also what is printed outside a
 * notebook. Values are strings, except for JSON types ({@code application/json}, {@code application/*+json}), whose
 * values are plain Java maps and lists so that every kernel serialises them as JSON objects.
 */
public final class MimeBundle {
    public static final String TEXT = "text/plain";
    public static final String HTML = "text/html";
    public static final String MARKDOWN = "text/markdown";
    public static final String PLOTLY = "application/vnd.plotly.v1+json";

    private final Map<String, Object> data;

    private MimeBundle(Map<String, Object> data) {
        this.data = Collections.unmodifiableMap(data);
    }

    /** A bundle with only {@code text/plain}. */
    public static MimeBundle text(String text) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(TEXT, Objects.requireNonNull(text, "text"));
        return new MimeBundle(data);
    }

    /** A copy of this bundle with {@code mimeType} set to {@code value}. */
    public MimeBundle with(String mimeType, Object value) {
        Objects.requireNonNull(mimeType, "mimeType");
        Objects.requireNonNull(value, "value");
        if (!mimeType.contains("/")) {
            throw new IllegalArgumentException("'" + mimeType + "' is not a MIME type (expected e.g. text/html)");
        }
        Map<String, Object> copy = new LinkedHashMap<>(data);
        copy.put(mimeType, value);
        return new MimeBundle(copy);
    }

    /** The bundle's content by MIME type, in insertion order ({@code text/plain} first). */
    public Map<String, Object> data() {
        return data;
    }

    /** The {@code text/plain} representation. */
    public String text() {
        return (String) data.get(TEXT);
    }

    /** The value for {@code mimeType}, or null. */
    public Object get(String mimeType) {
        return data.get(mimeType);
    }

    @Override
    public String toString() {
        return "MimeBundle" + data.keySet();
    }
}
