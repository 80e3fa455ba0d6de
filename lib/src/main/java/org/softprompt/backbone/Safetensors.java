package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (8-byte little-endian header length, a JSON header of
 * {@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}, then the raw little-endian data).
 *
 * <p>Why not DJL's {@code NDList.decode}: it reads all tensor data into one Java {@code byte[]} (so a checkpoint
 * lives twice in memory while loading, and offsets are {@code int}, so files over 2 GB fail) and its writer emits
 * neither the {@code {"format":"pt"}} metadata that transformers requires nor an aligned header. Here each tensor is
 * memory-mapped and copied straight into PyTorch-owned memory, so loading needs no Java heap beyond the header.
 * Writing is {@link SafetensorsWriter}'s; {@link #write} is its shortcut for tensors already in memory.
 */
public final class Safetensors {
    /** A header larger than this is not a safetensors file (the Rust reader uses the same bound). */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private Safetensors() {}

    /** One tensor's entry in a header: its dtype name ("F32", "BF16", ...), shape and byte range in the data. */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        public Shape djlShape() {
            return new Shape(shape);
        }

        public DataType dataType() {
            return DataType.fromSafetensors(dtype);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    /** A parsed header: the tensors in file order, the metadata and where the data starts in the file. */
    public record Header(Path file, Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {}

    /** Reads and validates the header of {@code file} without reading any tensor data. */
    public static Header readHeader(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw formatError(file, "is " + fileSize + " bytes long, too short for a safetensors header");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > fileSize) {
                throw formatError(file, "declares a header of " + headerLength + " bytes in a file of " + fileSize
                        + " bytes; not a safetensors file");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            String json = new String(headerBytes.array(), StandardCharsets.UTF_8);
            long dataStart = 8 + headerLength;
            return parseHeader(file, json, dataStart, fileSize - dataStart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Header parseHeader(Path file, String json, long dataStart, long dataLength) {
        JsonObject root;
        try {
            root = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw formatError(file, "has a header that is not a JSON object: " + e.getMessage());
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : root.entrySet()) {
            String name = entry.getKey();
            if ("__metadata__".equals(name)) {
                if (entry.getValue().isJsonObject()) {
                    entry.getValue().getAsJsonObject().entrySet()
                            .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
                }
                continue;
            }
            tensors.put(name, parseEntry(file, name, entry.getValue(), dataLength));
        }
        return new Header(file, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata),
                dataStart);
    }

    private static TensorInfo parseEntry(Path file, String name, JsonElement element, long dataLength) {
        try {
            JsonObject object = element.getAsJsonObject();
            String dtype = object.get("dtype").getAsString();
            int elementBytes = bytesPerElement(file, name, dtype);
            JsonArray shapeJson = object.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
                count = Math.multiplyExact(count, shape[i]);
            }
            JsonArray offsets = object.getAsJsonArray("data_offsets");
            long begin = offsets.get(0).getAsLong();
            long end = offsets.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataLength) {
                throw formatError(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end
                        + "] outside the " + dataLength + " data bytes");
            }
            if (end - begin != count * elementBytes) {
                throw formatError(file, "tensor '" + name + "' has shape " + Arrays.toString(shape) + " of "
                        + dtype + " (" + count * elementBytes + " bytes) but data_offsets span " + (end - begin)
                        + " bytes");
            }
            return new TensorInfo(name, dtype, shape, begin, end);
        } catch (NullPointerException | IllegalStateException | IndexOutOfBoundsException
                 | UnsupportedOperationException | ArithmeticException e) {
            throw formatError(file, "tensor '" + name + "' has a malformed entry " + element
                    + " (expected {\"dtype\":..., \"shape\":[...], \"data_offsets\":[begin, end]})");
        }
    }

    private static int bytesPerElement(Path file, String name, String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> throw formatError(file, "tensor '" + name + "' has dtype '" + dtype
                    + "'; supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL");
        };
    }

    /**
     * Reads one tensor in its stored dtype (or as float32 when {@code toFloat32} and it is a floating type); BF16
     * always comes as float32, since DJL's PyTorch binding has no bfloat16. The data is memory-mapped and copied
     * once into memory owned by PyTorch.
     */
    public static NDArray read(Header header, String name, NDManager manager, boolean toFloat32) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new IllegalArgumentException(header.file() + " holds no tensor '" + name + "'");
        }
        try (FileChannel channel = FileChannel.open(header.file(), StandardOpenOption.READ)) {
            return read(channel, header, info, manager, toFloat32);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + header.file(), e);
        }
    }

    /** Reads every tensor of {@code file} in its stored dtype (BF16 as float32), in file order, each named. */
    public static Map<String, NDArray> readAll(Path file, NDManager manager) {
        Header header = readHeader(file);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (TensorInfo info : header.tensors().values()) {
                arrays.put(info.name(), read(channel, header, info, manager, false));
            }
        } catch (IOException e) {
            arrays.values().forEach(NDArray::close);
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return arrays;
    }

    static NDArray read(FileChannel channel, Header header, TensorInfo info, NDManager manager, boolean toFloat32)
            throws IOException {
        Shape shape = info.djlShape();
        long length = info.end() - info.begin();
        long position = header.dataStart() + info.begin();
        boolean bfloat16 = "BF16".equals(info.dtype());
        DataType type = bfloat16 ? DataType.FLOAT32 : info.dataType();
        NDArray array;
        if (length == 0) {
            array = manager.zeros(shape, type);
        } else {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            if (bfloat16) {
                // DJL's PyTorch binding aborts the JVM on bfloat16 tensors; a bfloat16 is the upper half of a
                // float32, so widening here is exact
                ByteBuffer widened = ByteBuffer.allocateDirect(Math.toIntExact(2 * length))
                        .order(ByteOrder.nativeOrder());
                java.nio.ShortBuffer source = mapped.asShortBuffer();
                java.nio.IntBuffer target = widened.asIntBuffer();
                for (int i = 0; i < source.limit(); i++) {
                    target.put(i, (source.get(i) & 0xFFFF) << 16);
                }
                try (NDArray view = manager.create(widened, shape, DataType.FLOAT32)) {
                    array = view.duplicate();
                }
            } else if (position % type.getNumOfBytes() == 0 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                // PyTorch wraps the mapped pages without copying; clone() (or the dtype conversion) then copies
                // them into memory PyTorch owns, and the read-only mapping is released with the wrapper.
                try (NDArray view = manager.create(mapped, shape, type)) {
                    array = convertOrCopy(view, type, toFloat32);
                }
            } else {
                ByteBuffer copy = ByteBuffer.allocateDirect(Math.toIntExact(length)).order(ByteOrder.nativeOrder());
                copyElements(mapped, copy, type.getNumOfBytes());
                try (NDArray view = manager.create(copy, shape, type)) {
                    array = convertOrCopy(view, type, toFloat32);
                }
            }
        }
        array.setName(info.name());
        return array;
    }

    private static NDArray convertOrCopy(NDArray view, DataType type, boolean toFloat32) {
        if (toFloat32 && type.isFloating() && type != DataType.FLOAT32) {
            return view.toType(DataType.FLOAT32, true);
        }
        return view.duplicate();
    }

    /**
     * Copies elements from {@code source} into {@code target}, converting from the source's byte order to the
     * target's (the reader's big-endian or unaligned fallback, and the writer's big-endian one).
     */
    static void copyElements(ByteBuffer source, ByteBuffer target, int elementBytes) {
        switch (elementBytes) {
            case 8 -> target.asLongBuffer().put(source.asLongBuffer());
            case 4 -> target.asIntBuffer().put(source.asIntBuffer());
            case 2 -> target.asShortBuffer().put(source.asShortBuffer());
            default -> target.put(source);
        }
    }

    /**
     * Writes {@code tensors} (each under its map key, in map order) with {@code {"format":"pt"}} plus
     * {@code metadata}, atomically, through {@link SafetensorsWriter} (one tensor's bytes on the heap at a time).
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        List<SafetensorsWriter.Tensor> layout = tensors.entrySet().stream()
                .map(e -> SafetensorsWriter.Tensor.of(e.getKey(), e.getValue())).toList();
        try (SafetensorsWriter writer = new SafetensorsWriter(file, layout, metadata)) {
            for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
                writer.write(entry.getKey(), entry.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Moves {@code temp} over {@code target} atomically where the file system can. */
    static void moveAtomically(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static CheckpointException formatError(Path file, String problem) {
        return new CheckpointException(file + " " + problem);
    }
}
