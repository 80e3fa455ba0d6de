package org.softprompt.backbone.easybert;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a float32 safetensors file one tensor at a time, in a declared order, so that a 430 MB model never has to
 * be in memory whole.
 *
 * <p>Why not DJL's {@code NDList.encode(out, Encoding.SAFETENSORS)}: it needs every tensor alive in native memory
 * at once, and it writes no {@code __metadata__}. Hugging Face transformers' loaders of several versions (among
 * them the 4.37 that made this project's fixtures) reject a safetensors file whose metadata lacks
 * {@code "format": "pt"}; save_pretrained always writes it, and so does this writer. The format itself is tiny:
 * an 8-byte little-endian header length, a JSON header (padded with spaces to a multiple of 8 bytes, as the
 * safetensors library pads it) mapping each name to dtype, shape and [begin, end) data offsets, then the raw data.
 */
final class SafetensorsWriter implements Closeable {

    /** A float32 tensor to be written. */
    record Tensor(String name, long[] shape) {
        long byteLength() {
            return 4 * Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final List<Tensor> tensors;
    private int next;

    /** Creates the file and writes its header; then call {@link #write} once per tensor, in the given order. */
    SafetensorsWriter(Path file, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        this.file = file;
        this.tensors = List.copyOf(tensors);
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            writeHeader(metadata);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void writeHeader(Map<String, String> metadata) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        metadata.forEach(meta::addProperty);
        header.add("__metadata__", meta);
        long offset = 0;
        for (Tensor tensor : tensors) {
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            Arrays.stream(tensor.shape()).forEach(shape::add);
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += tensor.byteLength();
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            if (header.has(tensor.name())) {
                throw new IllegalArgumentException("tensor name '" + tensor.name() + "' given twice");
            }
            header.add(tensor.name(), entry);
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        writeFully(head.flip());
    }

    /**
     * Writes the next tensor's data.
     *
     * @param littleEndianFloats exactly the tensor's bytes, little-endian float32, row-major
     */
    void write(String name, ByteBuffer littleEndianFloats) throws IOException {
        if (next >= tensors.size()) {
            throw new IllegalStateException(file + ": tensor '" + name + "' written after all declared tensors");
        }
        Tensor expected = tensors.get(next);
        if (!expected.name().equals(name)) {
            throw new IllegalStateException(file + ": expected tensor '" + expected.name() + "' next, got '" + name
                    + "'");
        }
        if (littleEndianFloats.remaining() != expected.byteLength()) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has " + littleEndianFloats.remaining()
                    + " bytes; its shape " + Arrays.toString(expected.shape()) + " needs " + expected.byteLength());
        }
        writeFully(littleEndianFloats);
        next++;
    }

    /** Flushes the file to disk; fails if a declared tensor was never written (the file would be unreadable). */
    @Override
    public void close() throws IOException {
        try (channel) {
            if (next != tensors.size()) {
                throw new IllegalStateException(file + ": only " + next + " of " + tensors.size()
                        + " declared tensors were written");
            }
            channel.force(true);
        }
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
