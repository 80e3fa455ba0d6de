package org.softprompt.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * softprompt's tokenizers (Hugging Face's Rust tokenizer through DJL) against independent reference ids computed by
 * lib/src/test/python/tokenizer_reference.py, a re-implementation of OpenAI's GPT-2 encoder and Google's BERT
 * tokenizer. Each string must give the reference's "hf" ids: the original algorithm with Hugging Face's documented
 * conventions. Strings where those conventions change the ids are checked to be explained by a named convention.
 */
class ReferenceIdsTest {
    private static final JsonObject REFERENCE = loadReference();

    @TempDir
    static Path temp;

    @TestFactory
    Stream<DynamicTest> gpt2FromVocabAndMerges() throws IOException {
        Path folder = RealVocabularies.gpt2Folder();
        JsonObject hashes = REFERENCE.getAsJsonObject("vocabularies").getAsJsonObject("gpt2");
        assertEquals(hashes.get("vocab.json").getAsString(), RealVocabularies.sha256(folder.resolve("vocab.json")));
        assertEquals(hashes.get("merges.txt").getAsString(), RealVocabularies.sha256(folder.resolve("merges.txt")));
        return caseTests("gpt2", () -> open(() -> Gpt2Tokenizer.fromVocabAndMerges(
                folder.resolve("vocab.json"), folder.resolve("merges.txt"))));
    }

    @TestFactory
    Stream<DynamicTest> gpt2ThroughCheckpointFactory() throws IOException {
        Path folder = RealVocabularies.gpt2Folder();
        return caseTests("gpt2", () -> open(() -> Tokenizers.load(folder)));
    }

    @TestFactory
    Stream<DynamicTest> bertUncased() throws IOException {
        Path vocab = bertVocab("uncased", "bert_uncased");
        return Stream.concat(
                caseTests("bert_uncased", () -> open(() -> BertTokenizer.fromVocabTxt(vocab, true))),
                pairTests("bert_uncased", () -> open(() -> BertTokenizer.fromVocabTxt(vocab, true))));
    }

    @TestFactory
    Stream<DynamicTest> bertCased() throws IOException {
        Path vocab = bertVocab("cased", "bert_cased");
        return Stream.concat(
                caseTests("bert_cased", () -> open(() -> BertTokenizer.fromVocabTxt(vocab, false))),
                pairTests("bert_cased", () -> open(() -> BertTokenizer.fromVocabTxt(vocab, false))));
    }

    /**
     * Whole shared text files, line by line, against the digest of the reference's ids: broad coverage of ordinary
     * text (hundreds of thousands of tokens) without committing the text or its ids.
     */
    @TestFactory
    Stream<DynamicTest> sharedCorporaLineByLine() throws IOException {
        String shared = System.getProperty("softprompt.shared");
        org.junit.jupiter.api.Assumptions.assumeTrue(shared != null, "system property softprompt.shared is not set");
        List<DynamicTest> tests = new ArrayList<>();
        for (var corpus : REFERENCE.getAsJsonObject("corpora").entrySet()) {
            Path file = Path.of(shared, corpus.getKey());
            JsonObject expected = corpus.getValue().getAsJsonObject();
            for (String key : List.of("gpt2", "bert_cased", "bert_uncased")) {
                tests.add(DynamicTest.dynamicTest(key + " " + corpus.getKey(), () -> {
                    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(file),
                            "shared corpus not found: " + file);
                    assertEquals(expected.get("file_sha256").getAsString(), RealVocabularies.sha256(file),
                            "the reference digest was computed from another version of " + file);
                    // Each tokenizer's vocabulary is looked for here, so a missing one skips only its own tests.
                    try (Tokenizer tokenizer = key.equals("gpt2")
                            ? Gpt2Tokenizer.fromVocabAndMerges(RealVocabularies.gpt2Folder().resolve("vocab.json"),
                                    RealVocabularies.gpt2Folder().resolve("merges.txt"))
                            : BertTokenizer.fromVocabTxt(bertVocab(key.substring("bert_".length()), key),
                                    key.equals("bert_uncased"))) {
                        checkCorpus(tokenizer, file, expected, key);
                    }
                }));
            }
        }
        return tests.stream();
    }

    private static void checkCorpus(Tokenizer tokenizer, Path file, JsonObject expected, String key)
            throws IOException, java.security.NoSuchAlgorithmException {
        String text = java.nio.file.Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        assertEquals(expected.get("lines").getAsInt(), lines.size());
        BatchEncoding batch = tokenizer.encodeBatch(lines,
                EncodeOptions.defaults().withPadding(EncodeOptions.Padding.NONE));
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        long tokens = 0;
        for (int[] ids : batch.inputIds()) {
            tokens += ids.length;
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                line.append(i == 0 ? "" : ",").append(ids[i]);
            }
            digest.update(line.append('\n').toString().getBytes(StandardCharsets.US_ASCII));
        }
        JsonObject reference = expected.getAsJsonObject(key);
        assertEquals(reference.get("tokens").getAsLong(), tokens, "token count");
        assertEquals(reference.get("ids_sha256").getAsString(),
                java.util.HexFormat.of().formatHex(digest.digest()), "digest of all ids");
        System.out.println("[tokenize] " + key + " " + file.getFileName() + ": " + lines.size() + " lines, " + tokens
                + " tokens equal to the reference");
    }

    /** Every string where Hugging Face and the original algorithm differ must be explained by a named convention. */
    @Test
    void everyDifferenceFromTheOriginalAlgorithmIsExplained() {
        int strings = 0;
        List<String> differences = new ArrayList<>();
        for (JsonElement element : REFERENCE.getAsJsonArray("cases")) {
            JsonObject entry = element.getAsJsonObject();
            strings++;
            for (String tokenizer : List.of("gpt2", "bert_cased", "bert_uncased")) {
                JsonObject expected = entry.getAsJsonObject(tokenizer);
                if (!expected.get("original").equals(expected.get("hf"))) {
                    JsonArray reasons = expected.getAsJsonArray("hf_differs_by");
                    assertFalse(reasons.isEmpty(), entry.get("name").getAsString() + "/" + tokenizer
                            + ": Hugging Face's ids differ from the original algorithm without a named reason");
                    differences.add(entry.get("name").getAsString() + "/" + tokenizer + " " + reasons);
                }
            }
        }
        System.out.println("[tokenize] " + strings + " reference strings x 3 tokenizers; " + differences.size()
                + " differ from the original algorithms by a Hugging Face convention: " + differences);
    }

    private static Stream<DynamicTest> caseTests(String key, Supplier<Tokenizer> tokenizer) {
        Tokenizer shared = tokenizer.get();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement element : REFERENCE.getAsJsonArray("cases")) {
            JsonObject entry = element.getAsJsonObject();
            String text = entry.get("text").getAsString();
            int[] expected = ints(entry.getAsJsonObject(key).getAsJsonArray("hf"));
            tests.add(DynamicTest.dynamicTest(key + " " + entry.get("name").getAsString(), () -> {
                int[] actual = shared.encode(text);
                assertArrayEquals(expected, actual, () -> "ids of " + escape(text) + ": tokens "
                        + shared.encodeDetailed(text, true));
                if (key.equals("gpt2")) {
                    // Byte-level BPE loses nothing: decoding gives back the exact text.
                    assertEquals(text, shared.decode(actual));
                }
            }));
        }
        tests.add(DynamicTest.dynamicTest(key + " close", shared::close));
        return tests.stream();
    }

    private static Stream<DynamicTest> pairTests(String key, Supplier<Tokenizer> tokenizer) {
        Tokenizer shared = tokenizer.get();
        List<DynamicTest> tests = new ArrayList<>();
        List<String> firsts = new ArrayList<>();
        List<String> seconds = new ArrayList<>();
        List<int[]> expectedIds = new ArrayList<>();
        List<int[]> expectedTypes = new ArrayList<>();
        for (JsonElement element : REFERENCE.getAsJsonArray("pairs")) {
            JsonObject entry = element.getAsJsonObject();
            String first = entry.get("first").getAsString();
            String second = entry.get("second").getAsString();
            int[] ids = ints(entry.getAsJsonObject(key).getAsJsonArray("ids"));
            int[] types = ints(entry.getAsJsonObject(key).getAsJsonArray("type_ids"));
            firsts.add(first);
            seconds.add(second);
            expectedIds.add(ids);
            expectedTypes.add(types);
            tests.add(DynamicTest.dynamicTest(key + " pair " + entry.get("name").getAsString(), () -> {
                Encoding encoding = shared.encodePair(first, second);
                assertArrayEquals(ids, encoding.ids());
                assertArrayEquals(types, encoding.typeIds());
            }));
        }
        tests.add(DynamicTest.dynamicTest(key + " pair batch, padded", () -> {
            BatchEncoding batch = shared.encodePairBatch(firsts, seconds, EncodeOptions.defaults());
            int width = expectedIds.stream().mapToInt(a -> a.length).max().orElse(0);
            int pad = shared.requireSpecialTokenId(SpecialToken.PAD);
            for (int row = 0; row < firsts.size(); row++) {
                int length = expectedIds.get(row).length;
                assertEquals(width, batch.inputIds()[row].length);
                for (int col = 0; col < width; col++) {
                    boolean real = col < length;
                    assertEquals(real ? expectedIds.get(row)[col] : pad, batch.inputIds()[row][col]);
                    assertEquals(real ? expectedTypes.get(row)[col] : 0, batch.tokenTypeIds()[row][col]);
                    assertEquals(real ? 1 : 0, batch.attentionMask()[row][col]);
                }
            }
        }));
        tests.add(DynamicTest.dynamicTest(key + " pair close", shared::close));
        return tests.stream();
    }

    private static Path bertVocab(String casing, String key) throws IOException {
        Path folder = temp.resolve(casing);
        java.nio.file.Files.createDirectories(folder);
        Path vocab = RealVocabularies.bertVocab(casing, folder);
        assertEquals(REFERENCE.getAsJsonObject("vocabularies").getAsJsonObject(key).get("vocab.txt").getAsString(),
                RealVocabularies.sha256(vocab), "the reference ids were computed from another vocab.txt");
        return vocab;
    }

    private interface Opener {
        Tokenizer open() throws IOException;
    }

    private static Tokenizer open(Opener opener) {
        try {
            return opener.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int[] ints(JsonArray array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsInt();
        }
        return values;
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(cp -> out.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp)
                : String.format("\\u{%x}", cp)));
        return out.append('"').toString();
    }

    private static JsonObject loadReference() {
        try (InputStream in = ReferenceIdsTest.class.getResourceAsStream("/tokenize/reference-ids.json")) {
            if (in == null) {
                throw new IllegalStateException("test resource tokenize/reference-ids.json is missing");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
