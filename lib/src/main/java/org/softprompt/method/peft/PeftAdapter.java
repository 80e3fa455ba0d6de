package org.softprompt.method.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.BartConfig;
import org.softprompt.backbone.BertConfig;
import org.softprompt.backbone.CheckpointException;
import org.softprompt.backbone.Gpt2Config;
import org.softprompt.backbone.Safetensors;

/**
 * A prompt in Hugging Face PEFT's adapter layout (PEFT 0.8: {@code save_pretrained} of a prompt learning model):
 * <ul>
 *   <li>{@value #CONFIG}: the {@code PromptLearningConfig} fields ({@code peft_type}, {@code task_type},
 *       {@code num_virtual_tokens}, {@code token_dim}, {@code num_layers}, {@code num_attention_heads},
 *       {@code num_transformer_submodules}, ...) plus the type's own, keys sorted and indented by two as PEFT's
 *       {@code json.dumps(sort_keys=True, indent=2)} writes them;</li>
 *   <li>{@value #WEIGHTS}: one tensor, {@value #PROMPT_EMBEDDINGS}, what PEFT keeps for inference: the prefix table
 *       [P, 2 L d] for PREFIX_TUNING, the virtual tokens' input embeddings [P, d] for P_TUNING and PROMPT_TUNING
 *       (the reparameterization already applied);</li>
 *   <li>{@value #TRAINING_STATE} (this toolkit's sidecar, which PEFT ignores): the trained tensors before
 *       collapsing (the reparameterization network included) and the method's configuration, so that training can
 *       resume. PEFT drops the network when it saves and cannot resume (its issues #2256 and #1607).</li>
 * </ul>
 *
 * <p>Every file is written to a temporary file in the folder and moved over the old one, so an interrupted save
 * leaves each file whole: old or new. The files are written sidecar first and config last; a loader that finds a
 * sidecar checks that it recomputes the saved {@value #PROMPT_EMBEDDINGS}, so a folder that mixes two saves is
 * reported, not silently used.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String TRAINING_STATE = "softprompt_training.safetensors";
    public static final String PROMPT_EMBEDDINGS = "prompt_embeddings";
    /** Metadata key of the sidecar that holds the method's configuration (JSON). */
    public static final String METHOD_CONFIG = "softprompt_config";

    private static final Gson JSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .create();

    /** PEFT's prompt learning types that this toolkit's methods map onto. */
    public enum Type { PREFIX_TUNING, P_TUNING, PROMPT_TUNING }

    private PeftAdapter() {}

    /**
     * The fields every PEFT prompt learning config has, for {@code backbone} (PEFT's PeftConfigMixin and
     * PromptLearningConfig). {@code inference_mode} is true as in every adapter PEFT saves from a trained model.
     */
    public static JsonObject baseConfig(Type type, Backbone backbone, int numVirtualTokens,
            String baseModelNameOrPath, String taskType) {
        if (backbone.config() instanceof BartConfig) {
            throw new UnsupportedOperationException("encoder-decoder prompts (PEFT's num_transformer_submodules 2) "
                    + "are not exported; " + backbone.architecture() + " is an encoder-decoder");
        }
        JsonObject config = new JsonObject();
        config.add("auto_mapping", null);
        config.addProperty("base_model_name_or_path", baseModelNameOrPath);
        config.addProperty("inference_mode", true);
        config.addProperty("num_attention_heads", backbone.numHeads());
        config.addProperty("num_layers", backbone.numLayers());
        config.addProperty("num_transformer_submodules", 1);
        config.addProperty("num_virtual_tokens", numVirtualTokens);
        config.addProperty("peft_type", type.name());
        config.add("revision", null);
        config.addProperty("task_type", taskType);
        config.addProperty("token_dim", backbone.hiddenSize());
        return config;
    }

    /**
     * Writes the adapter folder: the sidecar (or removes a stale one when {@code trainingState} is null), then
     * {@value #WEIGHTS} with {@code promptEmbeddings}, then {@value #CONFIG}. Each file is replaced atomically.
     */
    public static void write(Path dir, JsonObject config, NDArray promptEmbeddings, Map<String, NDArray> trainingState,
            JsonObject methodConfig) {
        try {
            Files.createDirectories(dir);
            Path sidecar = dir.resolve(TRAINING_STATE);
            if (trainingState == null) {
                Files.deleteIfExists(sidecar);
            } else {
                Safetensors.write(sidecar, trainingState, Map.of(METHOD_CONFIG, methodConfig.toString()));
            }
            NDArray table = promptEmbeddings.getDataType() == DataType.FLOAT32 ? promptEmbeddings
                    : promptEmbeddings.toType(DataType.FLOAT32, false);
            Safetensors.write(dir.resolve(WEIGHTS), Map.of(PROMPT_EMBEDDINGS, table), Map.of());
            writeTextAtomically(dir.resolve(CONFIG), JSON.toJson(sorted(config)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the adapter to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** PEFT writes its config with sorted keys. */
    private static JsonObject sorted(JsonObject config) {
        JsonObject out = new JsonObject();
        new TreeMap<>(config.asMap()).forEach(out::add);
        return out;
    }

    /** Writes {@code text} to a temporary file beside {@code file}, flushes it to disk and moves it over the file. */
    public static void writeTextAtomically(Path file, String text) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(folder, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Reads {@value #CONFIG} of {@code dir} and checks that it is a prompt of {@code type} that fits
     * {@code backbone}: token_dim, num_layers, num_attention_heads and num_transformer_submodules must match.
     */
    public static JsonObject readConfig(Path dir, Type type, Backbone backbone) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("PEFT adapter folder " + dir + " does not exist");
        }
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("PEFT adapter folder " + dir + " has no " + CONFIG);
        }
        JsonObject config;
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file));
            if (!parsed.isJsonObject()) {
                throw new IllegalArgumentException(file + " is not a JSON object");
            }
            config = parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        String found = config.has("peft_type") && !config.get("peft_type").isJsonNull()
                ? config.get("peft_type").getAsString() : null;
        if (!type.name().equals(found)) {
            throw new IllegalArgumentException(file + ": peft_type must be " + type + ", got " + found);
        }
        expectInt(config, "token_dim", backbone.hiddenSize(), "the backbone's hidden size", file);
        if (type == Type.PREFIX_TUNING) {
            expectInt(config, "num_layers", backbone.numLayers(), "the backbone's layer count", file);
            expectInt(config, "num_attention_heads", backbone.numHeads(), "the backbone's head count", file);
        }
        if (config.has("num_transformer_submodules") && !config.get("num_transformer_submodules").isJsonNull()
                && config.get("num_transformer_submodules").getAsInt() != 1) {
            throw new IllegalArgumentException(file + ": num_transformer_submodules must be 1 (a decoder-only or "
                    + "encoder-only model), got " + config.get("num_transformer_submodules"));
        }
        int tokens = intField(config, "num_virtual_tokens", file);
        if (tokens < 1) {
            throw new IllegalArgumentException(file + ": num_virtual_tokens must be >= 1, got " + tokens);
        }
        return config;
    }

    /** An integer field of a config, or a clear error naming the file and field. */
    public static int intField(JsonObject config, String field, Path file) {
        JsonElement value = config.get(field);
        if (value == null || value.isJsonNull()) {
            throw new IllegalArgumentException(file + " has no " + field);
        }
        try {
            return value.getAsInt();
        } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
            throw new IllegalArgumentException(file + ": " + field + " must be an integer, got " + value);
        }
    }

    private static void expectInt(JsonObject config, String field, int expected, String what, Path file) {
        int value = intField(config, field, file);
        if (value != expected) {
            throw new IllegalArgumentException(file + ": " + field + " is " + value + " but " + what + " is "
                    + expected + "; the adapter was trained for a different model");
        }
    }

    /**
     * The number of positions {@code backbone} has (GPT-2's n_positions, BERT's max_position_embeddings), or -1
     * when it has no learned position table.
     */
    public static int maxPositions(Backbone backbone) {
        if (backbone.config() instanceof Gpt2Config gpt2) {
            return gpt2.maxPositions();
        }
        if (backbone.config() instanceof BertConfig bert) {
            return bert.maxPositions();
        }
        return -1;
    }

    /**
     * Fails when {@code promptPositions} leave no position for text: the prompt takes positions of a learned
     * position table of {@code backbone} (prefix tuning counting the prefix as past tokens, prompt tuning's
     * embeddings in the input).
     */
    public static void requireRoomForText(Backbone backbone, long promptPositions, String what) {
        int max = maxPositions(backbone);
        if (max > 0 && promptPositions >= max) {
            throw new IllegalArgumentException(what + " takes " + promptPositions + " positions, but "
                    + backbone.architecture() + " has " + max + " positions in all: no position is left for text");
        }
    }

    /** {@value #PROMPT_EMBEDDINGS} of {@value #WEIGHTS}, which must be [rows, columns] float. */
    public static NDArray readPromptEmbeddings(Path dir, long rows, long columns, NDManager manager) {
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("PEFT adapter folder " + dir + " has no " + WEIGHTS);
        }
        Safetensors.Header header = Safetensors.readHeader(file);
        Safetensors.TensorInfo info = header.tensors().get(PROMPT_EMBEDDINGS);
        if (info == null) {
            throw new CheckpointException(file + " has no " + PROMPT_EMBEDDINGS + " tensor; found "
                    + header.tensors().keySet());
        }
        Shape expected = new Shape(rows, columns);
        if (!info.djlShape().equals(expected)) {
            throw new CheckpointException(file + ": " + PROMPT_EMBEDDINGS + " is " + info.djlShape() + " but "
                    + CONFIG + " and the backbone call for " + expected);
        }
        if (!info.dataType().isFloating()) {
            throw new CheckpointException(file + ": " + PROMPT_EMBEDDINGS + " has dtype " + info.dtype()
                    + "; expected a floating type");
        }
        return Safetensors.read(header, PROMPT_EMBEDDINGS, manager, true);
    }

    /** The sidecar's tensors and method configuration, or null when the folder has no sidecar. */
    public record TrainingState(Map<String, NDArray> tensors, JsonObject methodConfig) {}

    /** Reads {@value #TRAINING_STATE} of {@code dir}, or returns null when there is none. */
    public static TrainingState readTrainingState(Path dir, NDManager manager) {
        Path file = dir.resolve(TRAINING_STATE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Safetensors.Header header = Safetensors.readHeader(file);
        String json = header.metadata().get(METHOD_CONFIG);
        if (json == null) {
            throw new CheckpointException(file + " has no '" + METHOD_CONFIG + "' metadata: not a sidecar written by "
                    + "this toolkit");
        }
        JsonObject methodConfig;
        try {
            methodConfig = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new CheckpointException(file + ": its '" + METHOD_CONFIG + "' metadata is not a JSON object");
        }
        return new TrainingState(Safetensors.readAll(file, manager), methodConfig);
    }

    /**
     * Checks that the sidecar's tensors recompute the saved prompt embeddings (up to float rounding of the
     * recomputation); a mismatch means the folder holds files of two different saves.
     */
    public static void requireConsistent(Path dir, NDArray recomputed, NDArray saved) {
        float difference = recomputed.sub(saved).abs().max().getFloat();
        float scale = Math.max(1f, saved.abs().max().getFloat());
        if (!(difference <= 1e-4f * scale)) {
            throw new CheckpointException(dir + ": " + TRAINING_STATE + " does not reproduce " + WEIGHTS
                    + " (max difference " + difference + "); the folder mixes files of two saves");
        }
    }
}
