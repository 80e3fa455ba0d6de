package org.softprompt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.softprompt.backbone.Safetensors;

/**
 * What a method trained, and nothing else: the trained tensors (a prompt, a prefix and its reparameterization
 * network, a head, the biases) as safetensors, the method's configuration as readable JSON, and, for resuming,
 * the optimizer state and the trainer's position. A prefix for GPT-2 small is a few hundred kilobytes where the
 * backbone is half a gigabyte: that is the storage saving these papers are about.
 *
 * <p>Layout of a checkpoint directory:
 * <pre>
 *   config.json              the method's configuration plus the names and shapes of the trained tensors
 *   parameters.safetensors   the trained tensors, by name
 *   optimizer.safetensors    optimizer moments / momentum buffers ("kind/parameter"), for resuming
 *   trainer_state.json       optimizer step, micro-batches consumed, seed
 * </pre>
 * A save is atomic: it writes a sibling temporary directory and swaps it in, so a crash leaves either the old
 * checkpoint or the new one, never a mix; {@link #load} also recovers a checkpoint whose swap was interrupted.
 */
public record TrainingCheckpoint(JsonObject config, Map<String, NDArray> parameters, Map<String, NDArray> optimizerState,
        long step, long microBatches, Long seed) {

    static final String CONFIG = "config.json";
    static final String PARAMETERS = "parameters.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "trainer_state.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** Writes this checkpoint to {@code directory}, replacing what was there atomically. */
    public void save(Path directory) {
        Path target = directory.toAbsolutePath().normalize();
        Path parent = target.getParent();
        try {
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, target.getFileName() + ".saving-");
            try {
                JsonObject described = config.deepCopy();
                JsonObject shapes = new JsonObject();
                parameters.forEach((name, array) -> shapes.add(name, GSON.toJsonTree(array.getShape().getShape())));
                described.add("trained_tensors", shapes);
                described.addProperty("trained_parameter_count",
                        parameters.values().stream().mapToLong(NDArray::size).sum());
                Files.writeString(staging.resolve(CONFIG), GSON.toJson(described), StandardCharsets.UTF_8);
                writeTensors(staging.resolve(PARAMETERS), parameters);
                writeTensors(staging.resolve(OPTIMIZER), optimizerState);
                JsonObject state = new JsonObject();
                state.addProperty("format", "softprompt-checkpoint-1");
                state.addProperty("step", step);
                state.addProperty("micro_batches", microBatches);
                if (seed != null) {
                    state.addProperty("seed", seed);
                }
                Files.writeString(staging.resolve(STATE), GSON.toJson(state), StandardCharsets.UTF_8);
                swapIn(staging, target);
            } catch (IOException | RuntimeException e) {
                deleteRecursively(staging);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /** Reads a checkpoint; its arrays belong to {@code manager}. */
    public static TrainingCheckpoint load(Path directory, NDManager manager) {
        Path target = recover(directory.toAbsolutePath().normalize());
        for (String file : new String[] {CONFIG, PARAMETERS, OPTIMIZER, STATE}) {
            if (!Files.isRegularFile(target.resolve(file))) {
                throw new IllegalArgumentException("checkpoint " + target + " has no " + file
                        + " (expected " + CONFIG + ", " + PARAMETERS + ", " + OPTIMIZER + ", " + STATE + ")");
            }
        }
        try {
            JsonObject config = GSON.fromJson(Files.readString(target.resolve(CONFIG)), JsonObject.class);
            config.remove("trained_tensors");
            config.remove("trained_parameter_count");
            JsonObject state = GSON.fromJson(Files.readString(target.resolve(STATE)), JsonObject.class);
            if (state == null || !state.has("step") || !state.has("micro_batches")) {
                throw new IllegalArgumentException(target.resolve(STATE) + " lacks 'step' or 'micro_batches'");
            }
            Long seed = state.has("seed") ? state.get("seed").getAsLong() : null;
            return new TrainingCheckpoint(config, readTensors(target.resolve(PARAMETERS), manager),
                    readTensors(target.resolve(OPTIMIZER), manager), state.get("step").getAsLong(),
                    state.get("micro_batches").getAsLong(), seed);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the checkpoint " + target + ": " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("checkpoint " + target + " has malformed JSON: " + e.getMessage(), e);
        }
    }

    static void writeTensors(Path file, Map<String, NDArray> tensors) {
        // The backbone's writer: streaming, with the {"format":"pt"} metadata that transformers and PEFT expect.
        Safetensors.write(file, tensors, Map.of());
    }

    static Map<String, NDArray> readTensors(Path file, NDManager manager) {
        try {
            return Safetensors.readAll(file, manager);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("could not read tensors from " + file + ": " + e.getMessage(), e);
        }
    }

    /** Moves {@code staging} to {@code target}; an existing target is first moved aside and deleted after. */
    private static void swapIn(Path staging, Path target) throws IOException {
        if (Files.exists(target)) {
            Path previous = target.resolveSibling(target.getFileName() + ".previous");
            deleteRecursively(previous);
            Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(previous);
        } else {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** A save killed between its two renames leaves only "name.previous": that complete checkpoint is used. */
    private static Path recover(Path target) {
        Path previous = target.resolveSibling(target.getFileName() + ".previous");
        if (!Files.isDirectory(target) && Files.isDirectory(previous)) {
            return previous;
        }
        if (!Files.isDirectory(target)) {
            throw new IllegalArgumentException("no checkpoint directory at " + target);
        }
        return target;
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
