package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The tensor files of a Hugging Face checkpoint folder: {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} (the same precedence as transformers). Only headers are read when opening;
 * tensors are read on demand. Pickled PyTorch files ({@code pytorch_model.bin}) are refused, never unpickled:
 * unpickling can run arbitrary code.
 */
public final class Checkpoint {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    /** Which header holds each tensor, in file order (shards in the index's order). */
    private final Map<String, Safetensors.Header> headers;

    private Checkpoint(Path directory, Map<String, Safetensors.Header> headers) {
        this.directory = directory;
        this.headers = headers;
    }

    /** Opens the checkpoint in {@code directory}, reading only the safetensors headers. */
    public static Checkpoint open(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new CheckpointException(directory + " is not a folder; expected a Hugging Face checkpoint folder "
                    + "with " + CONFIG_FILE + " and " + WEIGHTS_FILE);
        }
        Path single = directory.resolve(WEIGHTS_FILE);
        Path index = directory.resolve(INDEX_FILE);
        Map<String, Safetensors.Header> headers = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            Safetensors.Header header = Safetensors.readHeader(single);
            header.tensors().keySet().forEach(name -> headers.put(name, header));
        } else if (Files.isRegularFile(index)) {
            readShards(directory, index, headers);
        } else {
            throw new CheckpointException(noSafetensorsMessage(directory));
        }
        return new Checkpoint(directory, Collections.unmodifiableMap(headers));
    }

    private static void readShards(Path directory, Path index, Map<String, Safetensors.Header> headers) {
        JsonObject weightMap;
        try {
            JsonObject root = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
            weightMap = root.getAsJsonObject("weight_map");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + index + ": " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException | ClassCastException e) {
            throw new CheckpointException(index + " is not a JSON object: " + e.getMessage());
        }
        if (weightMap == null) {
            throw new CheckpointException(index + ": field 'weight_map' is missing (expected an object mapping "
                    + "tensor names to shard file names)");
        }
        Map<String, Safetensors.Header> shards = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : weightMap.entrySet()) {
            String shardName = entry.getValue().getAsString();
            Path shard = directory.resolve(shardName).normalize();
            if (!shard.startsWith(directory.normalize()) || !Files.isRegularFile(shard)) {
                throw new CheckpointException(index + ": tensor '" + entry.getKey() + "' is in shard '" + shardName
                        + "', which is not a file in " + directory);
            }
            Safetensors.Header header = shards.computeIfAbsent(shardName, name -> Safetensors.readHeader(shard));
            if (!header.tensors().containsKey(entry.getKey())) {
                throw new CheckpointException(index + ": tensor '" + entry.getKey() + "' is listed in shard '"
                        + shardName + "', which does not contain it");
            }
        }
        for (Safetensors.Header header : shards.values()) {
            for (String name : header.tensors().keySet()) {
                Safetensors.Header previous = headers.put(name, header);
                if (previous != null) {
                    throw new CheckpointException("tensor '" + name + "' is in both " + previous.file() + " and "
                            + header.file());
                }
            }
        }
    }

    private static String noSafetensorsMessage(Path directory) {
        List<String> present;
        try (Stream<Path> files = Files.list(directory)) {
            present = files.map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            present = List.of();
        }
        boolean pickled = present.stream().anyMatch(name -> name.endsWith(".bin") || name.endsWith(".pt")
                || name.endsWith(".pth") || name.endsWith(".ckpt") || name.equals("pytorch_model.bin.index.json"));
        StringBuilder message = new StringBuilder(directory + " has neither " + WEIGHTS_FILE + " nor " + INDEX_FILE
                + " (files: " + present + ").");
        if (pickled) {
            message.append(" Its weights are a pickled PyTorch checkpoint (.bin), which softprompt never loads: "
                    + "unpickling can run arbitrary code. Convert it once to safetensors with Python, in that "
                    + "folder:\n"
                    + "  python -c \"import torch; from safetensors.torch import save_file; "
                    + "sd = torch.load('pytorch_model.bin', map_location='cpu', weights_only=True); "
                    + "save_file({k: v.clone().contiguous() for k, v in sd.items()}, 'model.safetensors', "
                    + "metadata={'format': 'pt'})\"\n"
                    + "(for a sharded pytorch_model-0000x-of-0000y.bin set, load it with transformers' "
                    + "from_pretrained and call save_pretrained(folder, safe_serialization=True); "
                    + "or use the Hugging Face 'convert to safetensors' space).");
        } else {
            message.append(" Expected a Hugging Face checkpoint saved with safetensors (save_pretrained's default).");
        }
        return message.toString();
    }

    public Path directory() {
        return directory;
    }

    /** The safetensors files, in order. */
    public List<Path> files() {
        return headers.values().stream().map(Safetensors.Header::file).distinct().toList();
    }

    /** Every tensor's shape by name. */
    public Map<String, Shape> shapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        headers.forEach((name, header) -> shapes.put(name, header.tensors().get(name).djlShape()));
        return shapes;
    }

    public boolean contains(String name) {
        return headers.containsKey(name);
    }

    /** Reads one tensor; floating types (F16, BF16, F64) come as float32. */
    public NDArray read(String name, NDManager manager) {
        Safetensors.Header header = headers.get(name);
        if (header == null) {
            throw new CheckpointException(directory + " holds no tensor '" + name + "'");
        }
        return Safetensors.read(header, name, manager, true);
    }

    /**
     * Reads {@code names} (each as float32 if floating), one file channel per shard; the result follows the order
     * of {@code names}.
     */
    public Map<String, NDArray> read(Collection<String> names, NDManager manager) {
        Map<Path, FileChannel> channels = new LinkedHashMap<>();
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        try {
            for (String name : names) {
                Safetensors.Header header = headers.get(name);
                if (header == null) {
                    throw new CheckpointException(directory + " holds no tensor '" + name + "'");
                }
                FileChannel channel = channels.get(header.file());
                if (channel == null) {
                    channel = FileChannel.open(header.file(), StandardOpenOption.READ);
                    channels.put(header.file(), channel);
                }
                arrays.put(name, Safetensors.read(channel, header, header.tensors().get(name), manager, true));
            }
            return arrays;
        } catch (IOException e) {
            arrays.values().forEach(NDArray::close);
            throw new UncheckedIOException("cannot read tensors from " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arrays.values().forEach(NDArray::close);
            throw e;
        } finally {
            for (FileChannel channel : channels.values()) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // a read-only channel has nothing to flush; the tensors are already copied
                }
            }
        }
    }
}
