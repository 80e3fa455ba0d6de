package org.softprompt.backbone.easybert;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code variables.index} file of a TensorFlow checkpoint ("tensor bundle"): a LevelDB table whose empty key
 * holds a BundleHeaderProto and whose other keys are variable names mapped to BundleEntryProtos.
 *
 * @param numShards how many {@code variables.data-*} files the checkpoint has
 * @param entries every variable, by name, in ascending name order
 */
record TensorBundleIndex(int numShards, Map<String, BundleEntry> entries) {

    private static final int LITTLE_ENDIAN = 0;

    /**
     * Parses an index file.
     *
     * @param fileName names the file in error messages
     */
    static TensorBundleIndex parse(byte[] indexFile, String fileName) {
        Map<String, byte[]> table = LevelDbTable.readAll(indexFile, fileName);
        byte[] header = table.get("");
        if (header == null) {
            throw new IllegalStateException(fileName + " has no header entry (empty key): not a TensorFlow "
                    + "tensor-bundle index");
        }
        int numShards = parseHeader(header, fileName);
        Map<String, BundleEntry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> entry : table.entrySet()) {
            if (!entry.getKey().isEmpty()) {
                BundleEntry parsed = BundleEntry.parse(entry.getKey(), entry.getValue());
                if (parsed.shardId() < 0 || parsed.shardId() >= numShards) {
                    throw new IllegalStateException(fileName + ": variable '" + parsed.name() + "' lies in shard "
                            + parsed.shardId() + " but the header declares " + numShards + " shard(s)");
                }
                entries.put(entry.getKey(), parsed);
            }
        }
        return new TensorBundleIndex(numShards, Collections.unmodifiableMap(entries));
    }

    /** BundleHeaderProto: 1 num_shards, 2 endianness (0 little, 1 big), 3 version. Returns num_shards. */
    private static int parseHeader(byte[] header, String fileName) {
        ProtoReader reader = new ProtoReader(header, "BundleHeaderProto in " + fileName);
        int numShards = 0;
        int endianness = LITTLE_ENDIAN;
        while (reader.hasMore()) {
            switch (reader.nextField()) {
                case 1 -> numShards = (int) reader.readVarint();
                case 2 -> endianness = (int) reader.readVarint();
                default -> reader.skip();
            }
        }
        if (endianness != LITTLE_ENDIAN) {
            throw new IllegalStateException(fileName + " describes a big-endian checkpoint; only little-endian "
                    + "checkpoints (what TensorFlow writes on x86 and ARM) are supported");
        }
        if (numShards < 1) {
            throw new IllegalStateException(fileName + " declares " + numShards + " data shards; expected at least 1");
        }
        return numShards;
    }

    /** The name of the data file that holds shard {@code shardId}, as TensorFlow names it. */
    String dataFileName(int shardId) {
        return String.format("variables.data-%05d-of-%05d", shardId, numShards);
    }
}
