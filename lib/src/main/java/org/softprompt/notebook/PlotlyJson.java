package org.softprompt.notebook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tech.tablesaw.plotly.components.Config;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.Trace;

/**
 * A tablesaw-jsplot {@link Figure} as a Plotly JSON figure ({@code {"data": [...], "layout": {...}}}), the format of
 * the {@code application/vnd.plotly.v1+json} output type and of {@code Plotly.newPlot}'s arguments.
 *
 * <p>tablesaw-jsplot only renders JavaScript source ({@code var trace0 = {x: ["1","2"], mode: 'lines', ...};}): object
 * literals with unquoted keys, single-quoted strings, trailing commas, {@code NaN}, and numbers written as strings.
 * Each trace's and the layout's literal is read with Jackson's lenient JavaScript-compatible features, then cleaned:
 * non-finite numbers become null (Plotly's gap), and data arrays whose entries are all numeric strings become
 * numbers, which Plotly would have coerced anyway. Event handlers (JavaScript functions) are not part of a JSON
 * figure and are left out.
 */
final class PlotlyJson {
    private static final JsonMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES, JsonReadFeature.ALLOW_SINGLE_QUOTES,
                    JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS,
                    JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER,
                    JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS,
                    JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS,
                    JsonReadFeature.ALLOW_TRAILING_DECIMAL_POINT_FOR_NUMBERS)
            .build();
    private static final JsonMapper STRICT = JsonMapper.builder().build();
    private static final Pattern VARIABLE = Pattern.compile("^\\s*var\\s+[A-Za-z_$][\\w$]*\\s*=\\s*");
    /** Trace attributes that hold data arrays (and may therefore be numbers written as strings). */
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Set<String> DATA_ARRAYS = Set.of("x", "y", "z", "values", "open", "high", "low", "close");

    private PlotlyJson() {}

    /** The figure as a Jackson tree: {@code data} (one object per trace), {@code layout}, and {@code config} if set. */
    static ObjectNode of(Figure figure) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode();
        ArrayNode data = spec.putArray("data");
        Trace[] traces = figure.getTraces();
        if (traces != null) {
            for (int i = 0; i < traces.length; i++) {
                String source = traces[i].asJavascript(i);
                ObjectNode trace = literal(source, "trace " + i);
                cleanData(trace);
                data.add(trace);
            }
        }
        Layout layout = figure.getLayout();
        spec.set("layout", layout == null ? JsonNodeFactory.instance.objectNode() : literal(layout.asJavascript(), "layout"));
        Config config = figure.getConfig();
        if (config != null) {
            spec.set("config", literal(config.asJavascript(), "config"));
        }
        return spec;
    }

    /** The figure as plain maps and lists, the form every kernel serialises as a JSON object. */
    static Map<String, Object> asMap(ObjectNode spec) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = STRICT.convertValue(spec, LinkedHashMap.class);
        return map;
    }

    /**
     * Standard JSON that is also safe inside an HTML {@code <script>} element: {@code <}, {@code >}, {@code &} and
     * the JavaScript line separators are written as {@code \}{@code uXXXX} escapes. Outside strings JSON has none
     * of these characters, so the replacements never change the value.
     */
    static String toScriptSafeJson(JsonNode spec) {
        String json;
        try {
            json = STRICT.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write the figure as JSON", e);
        }
        StringBuilder safe = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> safe.append("\\u003c");
                case '>' -> safe.append("\\u003e");
                case '&' -> safe.append("\\u0026");
                case '\u2028' -> safe.append("\\u2028");
                case '\u2029' -> safe.append("\\u2029");
                default -> safe.append(c);
            }
        }
        return safe.toString();
    }

    /** Parses one {@code var name = {...};} statement written by tablesaw-jsplot. */
    static ObjectNode literal(String javascript, String what) {
        String body = javascript.strip();
        Matcher declaration = VARIABLE.matcher(body);
        if (declaration.find()) {
            body = body.substring(declaration.end());
        }
        body = body.strip();
        if (body.endsWith(";")) {
            body = body.substring(0, body.length() - 1);
        }
        JsonNode node;
        try {
            node = LENIENT.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot read the Plotly figure's " + what + " as JSON ("
                    + e.getOriginalMessage() + "); tablesaw-jsplot wrote:\n" + abbreviate(javascript), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new IllegalArgumentException("The Plotly figure's " + what + " is not a JavaScript object; "
                    + "tablesaw-jsplot wrote:\n" + abbreviate(javascript));
        }
        return (ObjectNode) replaceNonFinite(object);
    }

    private static JsonNode replaceNonFinite(JsonNode node) {
        if (node.isNumber() && (node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                field.setValue(replaceNonFinite(field.getValue()));
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, replaceNonFinite(array.get(i)));
            }
        }
        return node;
    }

    private static void cleanData(ObjectNode trace) {
        for (String key : DATA_ARRAYS) {
            JsonNode value = trace.get(key);
            if (value instanceof ArrayNode array && isNumericStrings(array)) {
                trace.set(key, toNumbers(array));
            }
        }
    }

    /** True if every leaf is a number, null or a string that reads as a number or as a missing value. */
    private static boolean isNumericStrings(ArrayNode array) {
        boolean anyString = false;
        for (JsonNode element : array) {
            if (element instanceof ArrayNode nested) {
                if (!isNumericStrings(nested)) {
                    return false;
                }
                anyString = true;
            } else if (element.isTextual()) {
                if (!isMissingText(element.asText()) && parse(element.asText()) == null) {
                    return false;
                }
                anyString = true;
            } else if (!element.isNumber() && !element.isNull()) {
                return false;
            }
        }
        return anyString;
    }

    private static ArrayNode toNumbers(ArrayNode array) {
        ArrayNode numbers = JsonNodeFactory.instance.arrayNode(array.size());
        for (JsonNode element : array) {
            if (element instanceof ArrayNode nested) {
                numbers.add(toNumbers(nested));
            } else if (element.isTextual()) {
                Double value = isMissingText(element.asText()) ? null : parse(element.asText());
                if (value == null || !Double.isFinite(value)) {
                    numbers.addNull();
                } else if (value == Math.rint(value) && Math.abs(value) < 1e15 && !element.asText().contains(".")
                        && !element.asText().toLowerCase().contains("e")) {
                    numbers.add(value.longValue());
                } else {
                    numbers.add(value);
                }
            } else {
                numbers.add(element);
            }
        }
        return numbers;
    }

    private static boolean isMissingText(String text) {
        return text.isEmpty() || text.equals("null") || text.equals("NaN");
    }

    /** A decimal number as JavaScript reads it from a data string; null for anything else (e.g. "1d", "0x1"). */
    private static Double parse(String text) {
        String trimmed = text.strip();
        return DECIMAL.matcher(trimmed).matches() ? Double.valueOf(trimmed) : null;
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + " ...";
    }
}
