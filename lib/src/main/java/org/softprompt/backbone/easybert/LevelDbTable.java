package org.softprompt.backbone.easybert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads every key and value of an immutable LevelDB-format table (an "SSTable"), the format of TensorFlow's
 * {@code variables.index}. The file is small (a few kB for BERT), so it is read whole and all entries are returned
 * in key order.
 *
 * <p>Layout (LevelDB's doc/table_format.md): data blocks, a metaindex block, an index block, then a 48-byte footer
 * holding the metaindex and index block handles (varint offset and size, zero-padded to 40 bytes) and an 8-byte
 * magic number. The index block maps a separator key to the handle of each data block. Every block is followed by a
 * 5-byte trailer: a compression type byte and the masked CRC-32C of the block contents plus that byte. Inside a block
 * each entry stores its key as (bytes shared with the previous key, new bytes), then its value; the block ends with
 * the offsets of its "restart points" (entries stored with no shared prefix) and their count.
 */
final class LevelDbTable {
    private static final int FOOTER_LENGTH = 48;
    private static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int BLOCK_TRAILER_LENGTH = 5;
    private static final int NO_COMPRESSION = 0;
    private static final int SNAPPY_COMPRESSION = 1;

    private LevelDbTable() {}

    /**
     * All entries of the table, in the order stored (ascending key order).
     *
     * @param file the whole table file
     * @param fileName names the file in error messages
     */
    static Map<String, byte[]> readAll(byte[] file, String fileName) {
        if (file.length < FOOTER_LENGTH) {
            throw new IllegalStateException(fileName + " is " + file.length + " bytes long; a LevelDB table ends "
                    + "with a " + FOOTER_LENGTH + "-byte footer, so this is not one (truncated?)");
        }
        int footerStart = file.length - FOOTER_LENGTH;
        long magic = ByteBuffer.wrap(file, file.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (magic != MAGIC) {
            throw new IllegalStateException(fileName + " does not end with the LevelDB table magic number "
                    + "(found 0x" + Long.toHexString(magic) + "): not a TensorFlow variables.index file");
        }
        Cursor footer = new Cursor(file, footerStart, file.length - 8, fileName + " footer");
        footer.readBlockHandle(); // the metaindex block: TensorFlow stores no filters or stats that we need
        long[] indexHandle = footer.readBlockHandle();

        Map<String, byte[]> entries = new LinkedHashMap<>();
        Map<String, byte[]> index = readBlock(file, indexHandle, fileName + " index block");
        for (Map.Entry<String, byte[]> dataBlock : index.entrySet()) {
            byte[] handleBytes = dataBlock.getValue();
            long[] handle = new Cursor(handleBytes, 0, handleBytes.length, fileName + " block handle")
                    .readBlockHandle();
            entries.putAll(readBlock(file, handle, fileName + " data block at offset " + handle[0]));
        }
        return entries;
    }

    private static Map<String, byte[]> readBlock(byte[] file, long[] handle, String what) {
        long offset = handle[0];
        long size = handle[1];
        if (offset < 0 || size < 4 || offset + size + BLOCK_TRAILER_LENGTH > file.length - FOOTER_LENGTH) {
            throw new IllegalStateException(what + ": handle (offset " + offset + ", size " + size
                    + ") lies outside the file (" + file.length + " bytes)");
        }
        int start = (int) offset;
        int end = (int) (offset + size);
        int compression = file[end] & 0xff;
        int storedCrc = ByteBuffer.wrap(file, end + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int actualCrc = MaskedCrc32c.of(file, start, (int) size + 1);
        if (storedCrc != actualCrc) {
            throw new IllegalStateException(what + ": checksum mismatch (stored masked CRC-32C 0x"
                    + Integer.toHexString(storedCrc) + ", computed 0x" + Integer.toHexString(actualCrc)
                    + "): the file is corrupt");
        }
        if (compression == SNAPPY_COMPRESSION) {
            // TensorFlow's BundleWriter writes its index uncompressed; a snappy block means some other producer.
            throw new IllegalStateException(what + " is snappy-compressed; only uncompressed tables (as "
                    + "TensorFlow's tensor bundles write them) are supported");
        }
        if (compression != NO_COMPRESSION) {
            throw new IllegalStateException(what + " has unknown compression type " + compression);
        }

        int restartCount = ByteBuffer.wrap(file, end - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int entriesEnd = end - 4 - 4 * restartCount;
        if (restartCount < 0 || entriesEnd < start) {
            throw new IllegalStateException(what + ": impossible restart-point count " + restartCount);
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        Cursor cursor = new Cursor(file, start, entriesEnd, what);
        byte[] key = new byte[0];
        while (cursor.hasMore()) {
            int shared = cursor.readVarint32();
            int unshared = cursor.readVarint32();
            int valueLength = cursor.readVarint32();
            if (shared > key.length) {
                throw new IllegalStateException(what + ": an entry shares " + shared + " key bytes with a previous "
                        + "key of " + key.length + " bytes");
            }
            byte[] next = Arrays.copyOf(key, shared + unshared);
            System.arraycopy(cursor.take(unshared), 0, next, shared, unshared);
            key = next;
            entries.put(new String(key, StandardCharsets.UTF_8), cursor.take(valueLength));
        }
        return entries;
    }

    /** Reads varints and byte runs from {@code bytes[position, end)}. */
    private static final class Cursor {
        private final byte[] bytes;
        private final int end;
        private final String what;
        private int position;

        Cursor(byte[] bytes, int start, int end, String what) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
            this.what = what;
        }

        boolean hasMore() {
            return position < end;
        }

        /** A block handle: {offset, size}. */
        long[] readBlockHandle() {
            return new long[] {readVarint64(), readVarint64()};
        }

        int readVarint32() {
            long value = readVarint64();
            if (value > Integer.MAX_VALUE) {
                throw new IllegalStateException(what + ": varint " + value + " too large at byte " + position);
            }
            return (int) value;
        }

        long readVarint64() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw new IllegalStateException(what + ": truncated varint at byte " + position);
                }
                byte b = bytes[position++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalStateException(what + ": varint longer than 10 bytes at byte " + position);
        }

        byte[] take(int count) {
            if (count < 0 || count > end - position) {
                throw new IllegalStateException(what + ": entry of " + count + " bytes runs past the block end");
            }
            byte[] run = Arrays.copyOfRange(bytes, position, position + count);
            position += count;
            return run;
        }
    }
}
