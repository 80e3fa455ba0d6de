package org.softprompt.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.xml.sax.SAXException;

/** File access shared by the readers: every failure names the file and what was expected in it. */
final class DataFiles {
    /**
     * Several NLTK corpora mix encodings (a few Latin-1 or Windows-1252 bytes in otherwise ASCII/UTF-8 text).
     * Such files are decoded as Windows-1252, which maps every byte that occurs in them to a printable character.
     */
    private static final Charset LEGACY = Charset.forName("windows-1252");

    private DataFiles() {}

    /** A data set folder inside the data directory (see {@link DataDirectory#dataset}). */
    static Path dataset(String name) {
        return DataDirectory.dataset(name);
    }

    static Path requireFile(Path file, String expected) {
        if (!Files.isRegularFile(file)) {
            throw DataException.missingFile(file, expected);
        }
        return file;
    }

    static Path requireDirectory(Path dir, String expected) {
        if (!Files.isDirectory(dir)) {
            throw new DataException("Missing data folder " + dir + ": expected " + expected);
        }
        return dir;
    }

    static byte[] readBytes(Path file, String expected) {
        requireFile(file, expected);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataException("Cannot read " + file + " (" + expected + "): " + e.getMessage(), e);
        }
    }

    /** Text of a file: strict UTF-8, or Windows-1252 where the bytes are not valid UTF-8; no byte-order mark. */
    static String readText(Path file, String expected) {
        byte[] bytes = readBytes(file, expected);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException notUtf8) {
            text = new String(bytes, LEGACY);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return text.replace("\r\n", "\n").replace('\r', '\n');
    }

    /** Lines of a text file (see {@link #readText}); a lone byte-order mark on a line is dropped. */
    static List<String> readLines(Path file, String expected) {
        String text = readText(file, expected);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        lines.replaceAll(line -> line.replace("\uFEFF", ""));
        return lines;
    }

    static byte[] readGzip(Path file, String expected) {
        requireFile(file, expected);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new DataException("Cannot read gzip file " + file + " (" + expected + "): " + e.getMessage(), e);
        }
    }

    static JsonElement readJson(Path file, String expected) {
        String text = readText(file, expected);
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw DataException.at(file, 0, "not valid JSON (expected " + expected + "): " + e.getMessage());
        }
    }

    /** One JSON object per non-blank line; the line number travels with the object for error messages. */
    record JsonLine(Path file, int line, JsonObject object) {
        String string(String field) {
            return DataFiles.string(object, field, file, line);
        }

        String stringOrNull(String field) {
            JsonElement value = object.get(field);
            return value == null || value.isJsonNull() ? null : value.getAsString();
        }

        int integer(String field) {
            return DataFiles.integer(object, field, file, line);
        }

        /** A label as the string Python's {@code str()} gives it (booleans "True"/"False", numbers "0"). */
        String label(String field) {
            return DataFiles.label(object, field, file, line);
        }
    }

    static List<JsonLine> readJsonLines(Path file, String expected) {
        List<String> lines = readLines(file, expected);
        List<JsonLine> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonElement element = JsonParser.parseString(line);
                if (!element.isJsonObject()) {
                    throw DataException.at(file, i + 1, "expected a JSON object (" + expected + ")");
                }
                records.add(new JsonLine(file, i + 1, element.getAsJsonObject()));
            } catch (JsonParseException e) {
                throw DataException.at(file, i + 1, "not valid JSON (expected " + expected + "): " + e.getMessage());
            }
        }
        if (records.isEmpty()) {
            throw DataException.empty(file, expected);
        }
        return records;
    }

    static JsonElement field(JsonObject object, String field, Path file, int line) {
        JsonElement value = object.get(field);
        if (value == null || value.isJsonNull()) {
            throw DataException.at(file, line, "missing field '" + field + "' (record has " + object.keySet() + ")");
        }
        return value;
    }

    /** The list {@code field} of a record in a whole-file JSON document; {@code where} names the record. */
    static JsonArray array(JsonObject object, String field, Path file, String where) {
        JsonElement value = object.get(field);
        if (value == null || !value.isJsonArray()) {
            throw DataException.at(file, 0, where + ": missing list field '" + field + "' (record has "
                    + object.keySet() + ")");
        }
        return value.getAsJsonArray();
    }

    static String string(JsonObject object, String field, Path file, int line) {
        JsonElement value = field(object, field, file, line);
        if (!value.isJsonPrimitive()) {
            throw DataException.at(file, line, "field '" + field + "' should be a string, found " + value);
        }
        return value.getAsString();
    }

    static int integer(JsonObject object, String field, Path file, int line) {
        JsonElement value = field(object, field, file, line);
        try {
            return value.getAsInt();
        } catch (RuntimeException e) {
            throw DataException.at(file, line, "field '" + field + "' should be an integer, found " + value);
        }
    }

    static String label(JsonObject object, String field, Path file, int line) {
        JsonElement value = field(object, field, file, line);
        if (!value.isJsonPrimitive()) {
            throw DataException.at(file, line, "field '" + field + "' should be a label, found " + value);
        }
        if (value.getAsJsonPrimitive().isBoolean()) {
            return value.getAsBoolean() ? "True" : "False";
        }
        return value.getAsString();
    }

    /**
     * Parses XML without fetching external DTDs (the RTE files name an rte.dtd that is not shipped) and without
     * resolving external entities.
     */
    static Document readXml(Path file, String expected) {
        requireFile(file, expected);
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(false);
            factory.setValidating(false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(file.toFile());
        } catch (SAXException e) {
            throw DataException.at(file, 0, "not valid XML (expected " + expected + "): " + e.getMessage());
        } catch (IOException e) {
            throw new DataException("Cannot read " + file + " (" + expected + "): " + e.getMessage(), e);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("The JDK's XML parser lacks a standard feature", e);
        }
    }

    /** Regular files directly in a folder whose names end with {@code suffix}, sorted by name. */
    static List<Path> listFiles(Path dir, String suffix, String expected) {
        requireDirectory(dir, expected);
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> files = entries.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .toList();
            if (files.isEmpty()) {
                throw new DataException("No *" + suffix + " files in " + dir + ": expected " + expected);
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    static <T> List<T> nonEmpty(List<T> items, Path file, String expected) {
        if (items.isEmpty()) {
            throw DataException.empty(file, expected);
        }
        return List.copyOf(items);
    }
}
