package org.softprompt.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * Reads the reference fixtures in {@code <softprompt.shared>/metric-fixtures} (outputs of the official
 * implementations) and compares numbers with them, remembering the largest deviation seen so that each test class
 * can report how close it came.
 */
final class MetricFixtures {

    /** Relative tolerance: the fixtures are full-precision doubles; only summation order may differ. */
    static final double RELATIVE_TOLERANCE = 1e-12;

    private final String metric;
    private double maxAbsDifference;
    private int comparisons;
    private final java.util.Set<String> cases = new java.util.LinkedHashSet<>();

    MetricFixtures(String metric) {
        this.metric = metric;
    }

    static Path directory() {
        String shared = System.getProperty("softprompt.shared");
        Assumptions.assumeTrue(shared != null && !shared.isBlank(),
                "system property softprompt.shared is not set; metric fixtures cannot be located");
        Path dir = Path.of(shared, "metric-fixtures");
        Assumptions.assumeTrue(Files.isDirectory(dir), "metric fixtures folder " + dir + " is absent; skipping");
        return dir;
    }

    static JsonObject file(String name) {
        Path path = directory().resolve(name);
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(reader).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read fixture file " + path, e);
        }
    }

    static List<JsonObject> cases(String name) {
        List<JsonObject> cases = new ArrayList<>();
        for (JsonElement element : file(name).getAsJsonArray("cases")) {
            cases.add(element.getAsJsonObject());
        }
        assertTrue(!cases.isEmpty(), "fixture file " + name + " has no cases");
        return cases;
    }

    /** One fixture case: its name and JSON, with the fields every metric's fixture file has. */
    record Case(String name, JsonObject json) {
        List<String> hypotheses() {
            return strings(json.getAsJsonArray("hypotheses"));
        }

        List<List<String>> references() {
            return nestedStrings(json.getAsJsonArray("references"));
        }

        /** What the reference implementation gave. */
        JsonObject expected() {
            return json.getAsJsonObject("expected");
        }
    }

    /**
     * One dynamic test per case of fixture file {@code name}, named after the case, that counts the case as seen
     * (under the file's name, so that two files' cases in one test class are counted apart) and runs {@code check}.
     */
    Stream<DynamicTest> eachCase(String name, ThrowingConsumer<Case> check) {
        return cases(name).stream().map(json -> new Case(json.get("name").getAsString(), json))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    seen(name + "/" + c.name());
                    check.accept(c);
                }));
    }

    static List<String> strings(JsonArray array) {
        List<String> values = new ArrayList<>();
        for (JsonElement element : array) {
            values.add(element.isJsonNull() ? null : element.getAsString());
        }
        return values;
    }

    static List<List<String>> nestedStrings(JsonArray array) {
        List<List<String>> values = new ArrayList<>();
        for (JsonElement element : array) {
            values.add(strings(element.getAsJsonArray()));
        }
        return values;
    }

    /** A number, or NaN when the reference wrote the string "NaN". */
    static double number(JsonElement element) {
        if (element.isJsonPrimitive() && element.getAsJsonPrimitive().isString()) {
            String text = element.getAsString();
            if (text.equals("NaN")) {
                return Double.NaN;
            }
            throw new IllegalArgumentException("expected a number or \"NaN\", got \"" + text + "\"");
        }
        return element.getAsDouble();
    }

    static boolean isError(JsonElement element) {
        return element.isJsonObject() && element.getAsJsonObject().has("error");
    }

    void seen(String caseName) {
        cases.add(caseName);
    }

    void assertClose(String what, double expected, double actual) {
        comparisons++;
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN but got " + actual);
            return;
        }
        double difference = Math.abs(expected - actual);
        if (!Double.isNaN(difference)) {
            maxAbsDifference = Math.max(maxAbsDifference, difference);
        }
        double tolerance = RELATIVE_TOLERANCE * Math.max(1.0, Math.abs(expected));
        if (!(difference <= tolerance)) {
            fail(String.format(Locale.ROOT, "%s: expected %.17g but got %.17g (|diff| = %.3g)", what, expected,
                    actual, difference));
        }
    }

    void assertSame(String what, Object expected, Object actual) {
        comparisons++;
        assertEquals(expected, actual, what);
    }

    /** One line for the test log: how many cases and values were compared and the largest deviation. */
    void report() {
        System.out.printf(Locale.ROOT, "[metric-fixtures] %s: %d cases, %d values compared, max |diff| = %.3g%n",
                metric, cases.size(), comparisons, maxAbsDifference);
    }
}
