package org.softprompt.backbone.easybert;

import java.util.zip.CRC32C;

/**
 * The CRC-32C checksums that LevelDB tables and TensorFlow tensor bundles store. They store them "masked" (rotated
 * and offset) because a CRC of data that itself contains CRCs is otherwise weak; see LevelDB's util/crc32c.h.
 */
final class MaskedCrc32c {
    private static final int MASK_DELTA = 0xa282ead8;

    private MaskedCrc32c() {}

    /** The masked CRC-32C of {@code bytes[offset, offset + length)}. */
    static int of(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return mask((int) crc.getValue());
    }

    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }
}
