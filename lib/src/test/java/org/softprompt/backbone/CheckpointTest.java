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
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class CheckpointTest {
    private static final Gpt2Config TINY = Gpt2Config.of(50, 16, 16, 2, 2).withDropout(0);
    @RegisterExtension
    static final RootManager root = new RootManager();

    /** The memory-mapped reader returns what DJL's NDList.decode returns: same names, order, dtypes and values. */
    @Test
    void safetensorsReaderAgreesWithDjl() throws Exception {
        for (String fixture : List.of("tiny-gpt2", "tiny-bert", "tiny-vit")) {
            for (String file : List.of("model.safetensors", "reference.safetensors")) {
                Path path = Fixtures.dir(fixture).resolve(file);
                try (NDManager manager = root.newSubManager(); InputStream in = Files.newInputStream(path)) {
                    NDList djl = NDList.decode(manager, in);
                    Map<String, NDArray> ours = Safetensors.readAll(path, manager);
                    assertEquals(djl.stream().map(NDArray::getName).toList(), List.copyOf(ours.keySet()), path
                            .toString());
                    for (NDArray expected : djl) {
                        NDArray actual = ours.get(expected.getName());
                        assertEquals(expected.getDataType(), actual.getDataType());
                        assertEquals(expected.getShape(), actual.getShape());
                        assertArrayEquals(expected.toByteArray(), actual.toByteArray(), expected.getName());
                    }
                }
            }
        }
    }

    @Test
    void writerRoundTripsDtypesAndWritesHuggingFaceMetadata(@TempDir Path dir) throws Exception {
        try (NDManager manager = root.newSubManager()) {
            NDArray floats = manager.randomNormal(new Shape(3, 5));
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("a.weight", floats);
            tensors.put("b.half", floats.toType(DataType.FLOAT16, true));
            tensors.put("d.ids", manager.create(new long[] {3, -1, 7}));
            Path file = dir.resolve("model.safetensors");
            Safetensors.write(file, tensors, Map.of("note", "test"));

            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLength % 8, "header padded to 8 bytes");
            String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
            assertTrue(header.contains("\"format\":\"pt\""), header);

            Map<String, NDArray> back = Safetensors.readAll(file, manager);
            assertEquals(List.of("a.weight", "b.half", "d.ids"), List.copyOf(back.keySet()));
            for (String name : tensors.keySet()) {
                assertEquals(tensors.get(name).getDataType(), back.get(name).getDataType());
                assertArrayEquals(tensors.get(name).toByteArray(), back.get(name).toByteArray(), name);
            }
            assertEquals("test", Safetensors.readHeader(file).metadata().get("note"));
            // DJL's reader reads our files too
            try (InputStream in = Files.newInputStream(file)) {
                NDList djl = NDList.decode(manager, in);
                assertArrayEquals(floats.toFloatArray(), djl.get("a.weight").toFloatArray());
            }
            // checkpoints hand out float32, converted as PyTorch converts
            Checkpoint checkpoint = Checkpoint.open(dir);
            NDArray half = checkpoint.read("b.half", manager);
            assertEquals(DataType.FLOAT32, half.getDataType());
            assertArrayEquals(floats.toType(DataType.FLOAT16, true).toType(DataType.FLOAT32, true).toFloatArray(),
                    half.toFloatArray());
        }
    }

    /** bfloat16 (common for recent checkpoints) is widened exactly to float32. */
    @Test
    void readsBfloat16AsFloat32(@TempDir Path dir) throws Exception {
        float[] values = {1f, -2.5f, 3.140625f, 1e-3f, 65280f, -0f};
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json);
        float[] expected = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            int bits = Float.floatToRawIntBits(values[i]) >>> 16; // truncation to bfloat16
            file.putShort((short) bits);
            expected[i] = Float.intBitsToFloat(bits << 16);
        }
        Path path = dir.resolve("model.safetensors");
        Files.write(path, file.array());
        try (NDManager manager = root.newSubManager()) {
            NDArray w = Checkpoint.open(dir).read("w", manager);
            assertEquals(DataType.FLOAT32, w.getDataType());
            assertEquals(new Shape(2, 3), w.getShape());
            assertArrayEquals(expected, w.toFloatArray());
            assertEquals(1f, w.toFloatArray()[0]);
        }
    }

    @Test
    void pickledCheckpointIsRefusedWithConversionAdvice(@TempDir Path dir) throws Exception {
        ConfigJson.write(TINY.toJson(), dir);
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's'});
        try (NDManager manager = root.newSubManager()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Gpt2.load(dir, manager));
            assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
            assertTrue(e.getMessage().contains("never loads"), e.getMessage());
            assertTrue(e.getMessage().contains("safetensors.torch import save_file"), e.getMessage());
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
    }

    @Test
    void missingMisshapedAndUnexpectedTensorsAreReportedByName(@TempDir Path dir) {
        try (NDManager manager = root.newSubManager(); Gpt2 model = Gpt2.random(TINY, manager, 1)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(model.weights().asMap());
            tensors.remove("transformer.h.0.ln_1.bias");
            tensors.put("transformer.h.1.attn.c_attn.weight", manager.zeros(new Shape(16, 40)));
            tensors.put("transformer.h.9.extra.weight", manager.zeros(new Shape(2)));
            Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
            ConfigJson.write(TINY.toJson(), dir);

            CheckpointException e = assertThrows(CheckpointException.class, () -> Gpt2.load(dir, manager));
            assertTrue(e.getMessage().contains("transformer.h.0.ln_1.bias"), e.getMessage());
            assertTrue(e.getMessage().contains("transformer.h.1.attn.c_attn.weight"), e.getMessage());
            assertTrue(e.getMessage().contains("transformer.h.9.extra.weight"), e.getMessage());
            assertEquals(List.of("transformer.h.0.ln_1.bias"), e.report().missing());
            assertEquals(List.of("transformer.h.1.attn.c_attn.weight"), e.report().misshapedNames());
            assertEquals(new Shape(16, 40), e.report().misshaped().get(0).inCheckpoint());
            assertEquals(new Shape(16, 48), e.report().misshaped().get(0).expected());
            assertEquals(List.of("transformer.h.9.extra.weight"), e.report().unexpected());

            try (Gpt2 lenient = Gpt2.load(dir, manager, LoadOptions.lenient())) {
                LoadReport report = lenient.loadReport();
                assertFalse(report.isClean());
                assertEquals(List.of("transformer.h.0.ln_1.bias", "transformer.h.1.attn.c_attn.weight"),
                        report.initialized());
                assertEquals(new Shape(16, 48), lenient.weight("transformer.h.1.attn.c_attn.weight").getShape());
                assertEquals(0f, lenient.weight("transformer.h.0.ln_1.bias").abs().sum().getFloat());
                assertEquals(0f, Fixtures.maxAbsDiff(model.weight("transformer.wte.weight"),
                        lenient.weight("transformer.wte.weight")));
                assertFalse(lenient.weights().contains("transformer.h.9.extra.weight"));
                assertEquals(model.weights().names(), lenient.weights().names());
            }
        }
    }

    @Test
    void shardedCheckpointLoadsLikeSingleFile(@TempDir Path dir) throws Exception {
        try (NDManager manager = root.newSubManager(); Gpt2 model = Gpt2.random(TINY, manager, 2)) {
            Map<String, NDArray> first = new LinkedHashMap<>();
            Map<String, NDArray> second = new LinkedHashMap<>();
            JsonObject weightMap = new JsonObject();
            model.weights().asMap().forEach((name, array) -> {
                boolean inFirst = name.contains(".h.0.") || name.contains("wte");
                (inFirst ? first : second).put(name, array);
                weightMap.addProperty(name, inFirst ? "model-00001-of-00002.safetensors"
                        : "model-00002-of-00002.safetensors");
            });
            Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of());
            Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of());
            JsonObject index = new JsonObject();
            index.add("metadata", new JsonObject());
            index.add("weight_map", weightMap);
            Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), index.toString());
            ConfigJson.write(TINY.toJson(), dir);
            try (Gpt2 loaded = Gpt2.load(dir, manager)) {
                NDArray ids = Gpt2Test.randomIds(manager, 2, 5, 3);
                assertEquals(0f, Fixtures.maxAbsDiff(model.forward(ForwardInput.ofIds(ids)).logits(),
                        loaded.forward(ForwardInput.ofIds(ids)).logits()));
                assertEquals(2, Checkpoint.open(dir).files().size());
            }
            // an index naming a shard that is not there
            weightMap.addProperty("transformer.wpe.weight", "model-00003-of-00002.safetensors");
            Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), index.toString());
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
            assertTrue(e.getMessage().contains("model-00003-of-00002.safetensors"), e.getMessage());
        }
    }

    @Test
    void badConfigNamesFileAndField(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.json");
        JsonObject json = TINY.toJson();
        json.addProperty("n_embd", "wide");
        Files.writeString(config, json.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> Gpt2Config.read(dir));
        assertTrue(e.getMessage().contains(config.toString()) && e.getMessage().contains("'n_embd'"),
                e.getMessage());

        json = TINY.toJson();
        json.remove("n_layer");
        Files.writeString(config, json.toString());
        e = assertThrows(ConfigException.class, () -> Gpt2Config.read(dir));
        assertTrue(e.getMessage().contains("'n_layer'") && e.getMessage().contains("missing"), e.getMessage());

        json = TINY.toJson();
        json.addProperty("n_head", 3);
        Files.writeString(config, json.toString());
        e = assertThrows(ConfigException.class, () -> Gpt2Config.read(dir));
        assertTrue(e.getMessage().contains("'n_head'") && e.getMessage().contains("divide"), e.getMessage());

        json = TINY.toJson();
        json.addProperty("activation_function", "mystery");
        Files.writeString(config, json.toString());
        e = assertThrows(ConfigException.class, () -> Gpt2Config.read(dir));
        assertTrue(e.getMessage().contains("'activation_function'") && e.getMessage().contains("gelu_new"),
                e.getMessage());

        json = TINY.toJson();
        json.addProperty("model_type", "bert");
        Files.writeString(config, json.toString());
        e = assertThrows(ConfigException.class, () -> Gpt2Config.read(dir));
        assertTrue(e.getMessage().contains("'model_type'"), e.getMessage());

        Files.writeString(config, "{\"n_embd\": 16,");
        e = assertThrows(ConfigException.class, () -> Gpt2Config.read(dir));
        assertTrue(e.getMessage().contains(config.toString()) && e.getMessage().contains("not valid JSON"),
                e.getMessage());

        Files.delete(config);
        e = assertThrows(ConfigException.class, () -> Gpt2Config.read(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void corruptSafetensorsNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.safetensors");
        ByteBuffer bytes = ByteBuffer.allocate(8 + 64).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(64);
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}".getBytes(
                StandardCharsets.UTF_8);
        bytes.put(header);
        Files.write(file, bytes.array());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Safetensors.readHeader(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

        Files.write(file, new byte[] {1, 2, 3});
        e = assertThrows(CheckpointException.class, () -> Safetensors.readHeader(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("too short"),
                e.getMessage());
    }
}
