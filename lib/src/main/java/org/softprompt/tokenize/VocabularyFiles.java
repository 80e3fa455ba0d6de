package org.softprompt.tokenize;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the vocabulary files that Hugging Face checkpoints ship: GPT-2's {@code vocab.json} and
 * {@code merges.txt}, BERT's {@code vocab.txt}, and JSON side files such as {@code tokenizer_config.json}. Every
 * problem is reported as a {@link TokenizerFileException} that names the file and says what was expected.
 */
public final class VocabularyFiles {
    private VocabularyFiles() {}

    /** GPT-2's {@code vocab.json}: one JSON object from token to id, kept in file order. */
    public static LinkedHashMap<String, Integer> readVocabJson(Path file) throws IOException {
        JsonObject object = readJsonObject(file);
        LinkedHashMap<String, Integer> vocab = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
            vocab.put(entry.getKey(), requireId(file, entry.getKey(), entry.getValue()));
        }
        if (vocab.isEmpty()) {
            throw new TokenizerFileException(file, "the vocabulary is empty; expected an object from token to id");
        }
        return vocab;
    }

    /**
     * GPT-2's {@code merges.txt}: an optional {@code #version} line, then one merge per line, the two symbols separated
     * by one space, highest priority first.
     */
    public static List<Merge> readMerges(Path file) throws IOException {
        List<String> lines = readLines(file);
        List<Merge> merges = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new TokenizerFileException(file, "line " + (i + 1) + " is \"" + abbreviate(line)
                        + "\"; expected two symbols separated by one space");
            }
            merges.add(new Merge(parts[0], parts[1]));
        }
        return merges;
    }

    /**
     * BERT's {@code vocab.txt}: one token per line, the id being the line number (from 0). As in Hugging Face's loader,
     * a token that occurs twice keeps the id of its last line.
     */
    public static LinkedHashMap<String, Integer> readVocabTxt(Path file) throws IOException {
        List<String> lines = readLines(file);
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.isEmpty()) {
            throw new TokenizerFileException(file, "the vocabulary is empty; expected one token per line");
        }
        LinkedHashMap<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            vocab.put(lines.get(i), i);
        }
        return vocab;
    }

    /** Any JSON file whose top level must be an object (tokenizer.json, tokenizer_config.json, ...). */
    public static JsonObject readJsonObject(Path file) throws IOException {
        String text = readUtf8(file);
        try {
            JsonElement element = JsonParser.parseString(text);
            if (!element.isJsonObject()) {
                throw new TokenizerFileException(file, "expected a JSON object at the top level");
            }
            return element.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new TokenizerFileException(file, "is not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** Writes GPT-2's {@code vocab.json}: tokens in id order, non-ASCII written as-is (UTF-8). */
    public static void writeVocabJson(Path file, Map<String, Integer> vocab) throws IOException {
        JsonObject object = new JsonObject();
        vocab.entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .forEach(e -> object.add(e.getKey(), new JsonPrimitive(e.getValue())));
        writeAtomically(file, Json.compact(object) + "\n");
    }

    /** Writes GPT-2's {@code merges.txt} with the {@code #version: 0.2} header that Hugging Face's loaders expect. */
    public static void writeMerges(Path file, List<Merge> merges) throws IOException {
        StringBuilder text = new StringBuilder("#version: 0.2\n");
        for (Merge merge : merges) {
            text.append(merge.left()).append(' ').append(merge.right()).append('\n');
        }
        writeAtomically(file, text.toString());
    }

    /** Writes UTF-8 text to a temporary file in the same folder, then moves it over {@code file}. */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path folder = absolute.getParent();
        Files.createDirectories(folder);
        Path temporary = Files.createTempFile(folder, "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            try {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    static String readUtf8(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizerFileException(file, "file not found", e);
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new TokenizerFileException(file, "is not valid UTF-8", e);
        }
    }

    private static List<String> readLines(Path file) throws IOException {
        String text = readUtf8(file);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.endsWith("\r")) {
                lines.set(i, line.substring(0, line.length() - 1));
            }
        }
        return lines;
    }

    private static int requireId(Path file, String token, JsonElement value) throws TokenizerFileException {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            double number = value.getAsDouble();
            if (number >= 0 && number <= Integer.MAX_VALUE && number == Math.rint(number)) {
                return (int) number;
            }
        }
        throw new TokenizerFileException(file, "token \"" + abbreviate(token) + "\" maps to " + value
                + "; expected a non-negative integer id");
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
