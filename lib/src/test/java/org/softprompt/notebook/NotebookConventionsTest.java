package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The rules every committed notebook (notebooks/*.ipynb) follows, so that it runs unchanged on the three Java
 * kernels (IJava, JJava, rapaio), headless in CI, and reads as a document:
 * <ul>
 *   <li>valid JSON, nbformat 4, kernelspec name {@code java} (the name all three kernels can be installed under);
 *   <li>the first cell is code and its first line is exactly {@code %jars ../lib/target/softprompt.jar}: one jar,
 *       relative to the notebook, is the only way of loading the library that all three kernels accept; no other
 *       line of code starts with a magic ({@code %}, {@code %%}) or a shell escape ({@code !}), since those differ
 *       between kernels or reach outside the notebook;
 *   <li>no direct call of a kernel's own {@code display(...)} (its argument order differs between kernels):
 *       output goes through the library's helpers, e.g. {@code Show.table(...)};
 *   <li>the experiment size comes from {@code org.softprompt.Scale} (some code mentions {@code Scale.}), and no
 *       notebook reads SOFTPROMPT_SCALE or softprompt.scale itself, so one place validates the knob; a notebook
 *       without scale-dependent work still shows {@code Scale.current()} so its reader knows what ran;
 *   <li>the committed file stays under 1 MB: outputs such as an inlined plotly.js (several MB) are not committed.
 * </ul>
 */
class NotebookConventionsTest {

    @TestFactory
    Stream<DynamicTest> everyCommittedNotebookFollowsTheConventions() throws IOException {
        Path folder = repositoryRoot().resolve("notebooks");
        if (!Files.isDirectory(folder)) {
            return Stream.empty();
        }
        List<Path> notebooks;
        try (Stream<Path> files = Files.list(folder)) {
            notebooks = files.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
        }
        return notebooks.stream().map(notebook -> DynamicTest.dynamicTest(notebook.getFileName().toString(), () -> {
            List<String> violations = Conventions.check(Files.readAllBytes(notebook));
            assertEquals(List.of(), violations, "notebooks/" + notebook.getFileName()
                    + " breaks the notebook conventions:\n  " + String.join("\n  ", violations));
        }));
    }

    @Test
    void repositoryRootIsFoundFromTheBuildDirectory() {
        Path root = repositoryRoot();
        assertTrue(Files.isRegularFile(root.resolve("lib/pom.xml")), root.toString());
    }

    @Test
    void aNotebookFollowingTheConventionsPasses() {
        assertEquals(List.of(), Conventions.check(good()));
    }

    @Test
    void invalidJsonIsRejected() {
        assertViolation("{\"cells\": [", "not valid JSON");
    }

    @Test
    void otherFormatVersionsAndKernelsAreRejected() {
        assertViolation(good().replace("\"nbformat\": 4", "\"nbformat\": 3"), "nbformat is 3; expected 4");
        assertViolation(good().replace("\"name\": \"java\"", "\"name\": \"python3\""),
                "kernelspec name is 'python3'; expected 'java'");
    }

    @Test
    void theFirstCellMustLoadTheLibraryJarByItsRelativePath() {
        assertViolation(notebook(markdown("# Title"), code(JARS), code("var scale = Scale.current();")),
                "the first cell is markdown; expected a code cell starting with " + JARS);
        assertViolation(notebook(code("%jars /work/main/lib/target/softprompt.jar"), code("Scale.current()")),
                "the first line of the first cell is '%jars /work/main/lib/target/softprompt.jar'; expected "
                        + "exactly '" + JARS + "'");
    }

    @Test
    void magicsAndShellEscapesElsewhereAreRejected() {
        String bad = notebook(code(JARS + "\n%maven ai.djl:api:0.36.0"), code("%%time\nScale.current();"),
                code("!ls data\nint x = 1;"), code("    %dependency /x/y"));
        List<String> violations = Conventions.check(bad);
        assertTrue(violations.contains("cell 1, line 2 starts a magic or shell escape: '%maven ai.djl:api:0.36.0'"),
                violations.toString());
        assertTrue(violations.contains("cell 2, line 1 starts a magic or shell escape: '%%time'"),
                violations.toString());
        assertTrue(violations.contains("cell 3, line 1 starts a magic or shell escape: '!ls data'"),
                violations.toString());
        assertTrue(violations.contains("cell 4, line 1 starts a magic or shell escape: '    %dependency /x/y'"),
                violations.toString());
        assertEquals(4, violations.size(), violations.toString());
    }

    @Test
    void aDirectDisplayCallIsRejectedButLibraryHelpersAndTextArePermitted() {
        assertViolation(notebook(code(JARS), code("var s = Scale.current();\ndisplay(chart);")),
                "cell 2 calls the kernel's display( directly; show output through the library (e.g. Show.)");
        assertEquals(List.of(), Conventions.check(notebook(code(JARS), code(
                "Show.display(chart); // not display(chart)\nString help = \"display(x)\";\nScale.current();"))));
    }

    @Test
    void theScaleMustComeFromTheScaleClass() {
        assertViolation(notebook(code(JARS), code("int steps = 10;\n// Scale.current() in a comment does not count")),
                "no code cell mentions Scale. (read the experiment size with org.softprompt.Scale.current())");
        assertViolation(notebook(code(JARS), code("var s = Scale.current();\nSystem.getenv(\"SOFTPROMPT_SCALE\");")),
                "cell 2 reads SOFTPROMPT_SCALE/softprompt.scale itself; use org.softprompt.Scale.current()");
        assertEquals(List.of(), Conventions.check(notebook(code(JARS),
                code("// run with SOFTPROMPT_SCALE=quick for real numbers\nvar s = Scale.current();"))));
    }

    @Test
    void aNotebookOfOneMegabyteOrMoreIsRejected() {
        String padding = "x".repeat(1_000_000);
        assertViolation(notebook(code(JARS), code("Scale.current();"), markdown(padding)),
                "bytes; a committed notebook must stay under 1000000 (clear large outputs)");
    }

    @Test
    void everyViolationIsReportedNotOnlyTheFirst() {
        List<String> violations = Conventions.check(notebook(code("int x;"), code("!pwd\ndisplay(x);")));
        assertEquals(4, violations.size(), violations.toString());
    }

    private static void assertViolation(String notebookJson, String expectedPart) {
        List<String> violations = Conventions.check(notebookJson);
        assertTrue(violations.stream().anyMatch(v -> v.contains(expectedPart)),
                "expected a violation containing '" + expectedPart + "', got " + violations);
    }

    private static final String JARS = Conventions.JARS_LINE;

    private static String good() {
        return notebook(code(JARS), markdown("# Prefix-tuning"),
                code("import org.softprompt.Scale;\nvar scale = Scale.current();\nShow.table(results);"));
    }

    private static String notebook(String... cells) {
        return "{\"cells\": [" + String.join(",", cells) + "], \"metadata\": {\"kernelspec\": "
                + "{\"display_name\": \"Java\", \"language\": \"java\", \"name\": \"java\"}}, "
                + "\"nbformat\": 4, \"nbformat_minor\": 5}";
    }

    private static String code(String source) {
        return "{\"cell_type\": \"code\", \"metadata\": {}, \"outputs\": [], \"execution_count\": null, "
                + "\"source\": " + lines(source) + "}";
    }

    private static String markdown(String source) {
        return "{\"cell_type\": \"markdown\", \"metadata\": {}, \"source\": " + lines(source) + "}";
    }

    /** The source as nbformat stores it: a list of lines, each but the last ending in a newline. */
    private static String lines(String source) {
        JsonArray array = new JsonArray();
        String[] parts = source.split("\n", -1);
        for (int i = 0; i < parts.length; i++) {
            array.add(i < parts.length - 1 ? parts[i] + "\n" : parts[i]);
        }
        return array.toString();
    }

    /** The repository root, found from Surefire's working directory (lib/) or from the root itself. */
    static Path repositoryRoot() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path candidate = start; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("pom.xml"))
                    && Files.isRegularFile(candidate.resolve("lib/pom.xml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no repository root (a folder with pom.xml and lib/pom.xml) at or above "
                + start);
    }

    /** Checks one notebook file's content and returns every violation found, each naming its cell and line. */
    static final class Conventions {
        static final String JARS_LINE = "%jars ../lib/target/softprompt.jar";
        static final long MAX_BYTES = 1_000_000;

        private static final Pattern DISPLAY_CALL = Pattern.compile("(?<![\\w.$])display\\s*\\(");
        private static final Pattern SCALE_USE = Pattern.compile("(?<![\\w$])Scale\\.");
        private static final Pattern RAW_SCALE = Pattern.compile("SOFTPROMPT_SCALE|softprompt\\.scale");

        private Conventions() {}

        static List<String> check(String json) {
            return check(json.getBytes(StandardCharsets.UTF_8));
        }

        static List<String> check(byte[] content) {
            List<String> violations = new ArrayList<>();
            if (content.length >= MAX_BYTES) {
                violations.add("the file has " + content.length + " bytes; a committed notebook must stay under "
                        + MAX_BYTES + " (clear large outputs)");
            }
            JsonObject notebook;
            try {
                JsonElement parsed = JsonParser.parseString(new String(content, StandardCharsets.UTF_8));
                if (!parsed.isJsonObject()) {
                    violations.add("not valid JSON for a notebook: the top level is not an object");
                    return violations;
                }
                notebook = parsed.getAsJsonObject();
            } catch (JsonParseException e) {
                violations.add("not valid JSON: " + e.getMessage());
                return violations;
            }
            checkFormat(notebook, violations);
            JsonElement cellsElement = notebook.get("cells");
            if (cellsElement == null || !cellsElement.isJsonArray()) {
                violations.add("no 'cells' array");
                return violations;
            }
            checkCells(cellsElement.getAsJsonArray(), violations);
            return violations;
        }

        private static void checkFormat(JsonObject notebook, List<String> violations) {
            JsonElement format = notebook.get("nbformat");
            if (format == null || !format.isJsonPrimitive() || !format.getAsJsonPrimitive().isNumber()
                    || format.getAsInt() != 4) {
                violations.add("nbformat is " + format + "; expected 4");
            }
            String kernel = null;
            JsonElement metadata = notebook.get("metadata");
            if (metadata != null && metadata.isJsonObject()) {
                JsonElement spec = metadata.getAsJsonObject().get("kernelspec");
                if (spec != null && spec.isJsonObject() && spec.getAsJsonObject().has("name")) {
                    kernel = spec.getAsJsonObject().get("name").getAsString();
                }
            }
            if (!"java".equals(kernel)) {
                violations.add("kernelspec name is " + (kernel == null ? "missing" : "'" + kernel + "'")
                        + "; expected 'java'");
            }
        }

        private static void checkCells(JsonArray cells, List<String> violations) {
            boolean mentionsScale = false;
            for (int index = 0; index < cells.size(); index++) {
                int number = index + 1;
                if (!cells.get(index).isJsonObject()) {
                    violations.add("cell " + number + " is not a JSON object");
                    continue;
                }
                JsonObject cell = cells.get(index).getAsJsonObject();
                String type = cell.has("cell_type") ? cell.get("cell_type").getAsString() : "missing";
                String source = source(cell);
                if (index == 0 && !"code".equals(type)) {
                    violations.add("the first cell is " + type + "; expected a code cell starting with " + JARS_LINE);
                }
                if (!"code".equals(type)) {
                    continue;
                }
                String[] lines = source.split("\n", -1);
                for (int line = 0; line < lines.length; line++) {
                    if (index == 0 && line == 0) {
                        if (!lines[0].equals(JARS_LINE)) {
                            violations.add("the first line of the first cell is '" + lines[0] + "'; expected exactly '"
                                    + JARS_LINE + "'");
                        }
                    } else if (lines[line].stripLeading().startsWith("%") || lines[line].startsWith("!")) {
                        violations.add("cell " + number + ", line " + (line + 1)
                                + " starts a magic or shell escape: '" + lines[line] + "'");
                    }
                }
                String code = JavaText.withoutComments(source, true);
                if (DISPLAY_CALL.matcher(code).find()) {
                    violations.add("cell " + number + " calls the kernel's display( directly; show output through "
                            + "the library (e.g. Show.)");
                }
                if (RAW_SCALE.matcher(JavaText.withoutComments(source, false)).find()) {
                    violations.add("cell " + number + " reads SOFTPROMPT_SCALE/softprompt.scale itself; use "
                            + "org.softprompt.Scale.current()");
                }
                mentionsScale |= SCALE_USE.matcher(code).find();
            }
            if (!mentionsScale) {
                violations.add("no code cell mentions Scale. (read the experiment size with "
                        + "org.softprompt.Scale.current())");
            }
        }

        private static String source(JsonObject cell) {
            JsonElement source = cell.get("source");
            if (source == null) {
                return "";
            }
            if (source.isJsonArray()) {
                StringBuilder text = new StringBuilder();
                source.getAsJsonArray().forEach(part -> text.append(part.getAsString()));
                return text.toString();
            }
            return source.getAsString();
        }
    }

    /** Java source without comments (and, if asked, with string/char literals emptied), so their words do not count. */
    static final class JavaText {
        private JavaText() {}

        static String withoutComments(String source, boolean emptyLiterals) {
            StringBuilder out = new StringBuilder(source.length());
            int i = 0;
            while (i < source.length()) {
                char c = source.charAt(i);
                if (source.startsWith("//", i)) {
                    int end = source.indexOf('\n', i);
                    i = end < 0 ? source.length() : end;
                } else if (source.startsWith("/*", i)) {
                    int end = source.indexOf("*/", i + 2);
                    i = end < 0 ? source.length() : end + 2;
                    out.append(' ');
                } else if (source.startsWith("\"\"\"", i)) {
                    int end = source.indexOf("\"\"\"", i + 3);
                    int stop = end < 0 ? source.length() : end + 3;
                    out.append(emptyLiterals ? "\"\"" : source.substring(i, stop));
                    i = stop;
                } else if (c == '"' || c == '\'') {
                    int j = i + 1;
                    while (j < source.length() && source.charAt(j) != c && source.charAt(j) != '\n') {
                        j += source.charAt(j) == '\\' ? 2 : 1;
                    }
                    int stop = Math.min(j + 1, source.length());
                    out.append(emptyLiterals ? String.valueOf(c) + c : source.substring(i, stop));
                    i = stop;
                } else {
                    out.append(c);
                    i++;
                }
            }
            return out.toString();
        }
    }
}
