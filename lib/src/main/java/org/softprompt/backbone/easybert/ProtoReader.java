package org.softprompt.backbone.easybert;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the protocol-buffer wire format field by field, just enough for the few small messages of a TensorFlow
 * tensor bundle (BundleHeaderProto, BundleEntryProto, TensorShapeProto). Taking protobuf-java plus the TensorFlow
 * .proto files for three tiny messages would cost more than these fifty lines.
 *
 * <p>Usage: {@code while (r.hasMore()) { switch (r.nextField()) { case 1 -> r.readVarint(); default -> r.skip(); } }}.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] bytes;
    private final int end;
    private final String what;
    private int position;
    private int wireType = -1;

    /** @param what names the message in error messages, e.g. "BundleEntryProto of 'bert/pooler/dense/kernel'" */
    ProtoReader(byte[] bytes, String what) {
        this(bytes, 0, bytes.length, what);
    }

    private ProtoReader(byte[] bytes, int start, int end, String what) {
        this.bytes = bytes;
        this.position = start;
        this.end = end;
        this.what = what;
    }

    boolean hasMore() {
        return position < end;
    }

    /** Reads the next tag and returns its field number; the wire type is kept for the read that follows. */
    int nextField() {
        long tag = readRawVarint();
        wireType = (int) (tag & 7);
        int field = (int) (tag >>> 3);
        if (field == 0) {
            throw malformed("field number 0");
        }
        return field;
    }

    long readVarint() {
        expect(VARINT);
        return readRawVarint();
    }

    int readFixed32() {
        expect(FIXED32);
        need(4);
        int value = (bytes[position] & 0xff) | (bytes[position + 1] & 0xff) << 8
                | (bytes[position + 2] & 0xff) << 16 | (bytes[position + 3] & 0xff) << 24;
        position += 4;
        return value;
    }

    /** A nested message, read by its own reader over the same bytes. */
    ProtoReader readMessage(String nestedWhat) {
        int length = readLength();
        ProtoReader nested = new ProtoReader(bytes, position, position + length, nestedWhat);
        position += length;
        return nested;
    }

    String readString() {
        int length = readLength();
        String value = new String(bytes, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }

    byte[] readBytes() {
        int length = readLength();
        byte[] value = Arrays.copyOfRange(bytes, position, position + length);
        position += length;
        return value;
    }

    /** Skips the value of a field this reader does not need (unknown fields are legal in protobuf). */
    void skip() {
        switch (wireType) {
            case VARINT -> readRawVarint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(readLength());
            case FIXED32 -> advance(4);
            default -> throw malformed("unsupported wire type " + wireType);
        }
    }

    private int readLength() {
        expect(LENGTH_DELIMITED);
        long length = readRawVarint();
        if (length < 0 || length > end - position) {
            throw malformed("length " + length + " runs past the end of the message");
        }
        return (int) length;
    }

    private long readRawVarint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            byte b = bytes[position++];
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw malformed("varint longer than 10 bytes");
    }

    private void expect(int expectedWireType) {
        if (wireType != expectedWireType) {
            throw malformed("wire type " + wireType + " where " + expectedWireType + " was expected");
        }
    }

    private void advance(int count) {
        need(count);
        position += count;
    }

    private void need(int count) {
        if (count > end - position) {
            throw malformed("truncated message");
        }
    }

    private IllegalStateException malformed(String problem) {
        return new IllegalStateException("Malformed " + what + " at byte " + position + ": " + problem);
    }
}
