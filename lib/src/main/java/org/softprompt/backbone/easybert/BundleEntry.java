package org.softprompt.backbone.easybert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where one variable of a TensorFlow checkpoint lies: TensorFlow's BundleEntryProto (tensor_bundle.proto).
 *
 * @param name the variable name, e.g. {@code module/bert/encoder/layer_0/attention/self/query/kernel}
 * @param dataType TensorFlow's DataType enum value ({@link #DT_FLOAT} is 1)
 * @param shape dimensions, outermost first
 * @param shardId which {@code variables.data-NNNNN-of-MMMMM} file holds the bytes
 * @param offset byte offset inside that file
 * @param size byte length
 * @param maskedCrc32c masked CRC-32C of the bytes (see {@link MaskedCrc32c})
 * @param sliced whether the entry describes a partitioned variable (its bytes live in other entries)
 */
record BundleEntry(String name, int dataType, long[] shape, int shardId, long offset, long size, int maskedCrc32c,
        boolean sliced) {

    static final int DT_FLOAT = 1;

    /** Decodes a BundleEntryProto: 1 dtype, 2 shape, 3 shard_id, 4 offset, 5 size, 6 crc32c, 7 slices. */
    static BundleEntry parse(String name, byte[] proto) {
        ProtoReader reader = new ProtoReader(proto, "BundleEntryProto of '" + name + "'");
        int dataType = 0;
        long[] shape = new long[0];
        int shardId = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        boolean sliced = false;
        while (reader.hasMore()) {
            switch (reader.nextField()) {
                case 1 -> dataType = (int) reader.readVarint();
                case 2 -> shape = parseShape(reader.readMessage("TensorShapeProto of '" + name + "'"));
                case 3 -> shardId = (int) reader.readVarint();
                case 4 -> offset = reader.readVarint();
                case 5 -> size = reader.readVarint();
                case 6 -> crc = reader.readFixed32();
                case 7 -> {
                    sliced = true;
                    reader.skip();
                }
                default -> reader.skip();
            }
        }
        return new BundleEntry(name, dataType, shape, shardId, offset, size, crc, sliced);
    }

    /** TensorShapeProto: repeated 2 dim {1 size, 2 name}, 3 unknown_rank. */
    private static long[] parseShape(ProtoReader reader) {
        List<Long> dims = new ArrayList<>();
        while (reader.hasMore()) {
            if (reader.nextField() == 2) {
                ProtoReader dim = reader.readMessage("TensorShapeProto.Dim");
                long dimSize = 0;
                while (dim.hasMore()) {
                    if (dim.nextField() == 1) {
                        dimSize = dim.readVarint();
                    } else {
                        dim.skip();
                    }
                }
                dims.add(dimSize);
            } else {
                reader.skip();
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        return count;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape) + " dtype " + dataType + " shard " + shardId + " @" + offset
                + "+" + size;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BundleEntry that && name.equals(that.name) && dataType == that.dataType
                && Arrays.equals(shape, that.shape) && shardId == that.shardId && offset == that.offset
                && size == that.size && maskedCrc32c == that.maskedCrc32c && sliced == that.sliced;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(offset);
    }
}
