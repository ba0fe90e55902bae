package ldm4j.io.tensorboard;

import java.io.IOException;
import java.util.Arrays;

/** Minimal protobuf wire-format decoder for tests; throws {@link IOException} on malformed input. */
final class ProtoReader {

    private final byte[] data;
    private int pos;

    ProtoReader(byte[] data) {
        this.data = data;
    }

    boolean hasRemaining() {
        return pos < data.length;
    }

    /** Reads a field key; returns {@code fieldNumber << 3 | wireType}. */
    int readTag() throws IOException {
        long key = readVarint();
        if ((key >>> 3) < 1 || (key >>> 3) > ProtoWriter.MAX_FIELD_NUMBER) {
            throw new IOException("invalid protobuf field key " + key + " at offset " + pos);
        }
        return (int) key;
    }

    long readVarint() throws IOException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = next();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IOException("varint longer than 10 bytes at offset " + pos);
    }

    long readFixed64() throws IOException {
        long result = 0;
        for (int i = 0; i < 8; i++) {
            result |= (long) (next() & 0xFF) << (8 * i);
        }
        return result;
    }

    int readFixed32() throws IOException {
        int result = 0;
        for (int i = 0; i < 4; i++) {
            result |= (next() & 0xFF) << (8 * i);
        }
        return result;
    }

    byte[] readBytes() throws IOException {
        long length = readVarint();
        if (length < 0 || length > data.length - pos) {
            throw new IOException("length-delimited field of " + length + " bytes overruns message at offset " + pos);
        }
        byte[] result = Arrays.copyOfRange(data, pos, pos + (int) length);
        pos += (int) length;
        return result;
    }

    void skip(int wireType) throws IOException {
        switch (wireType) {
            case ProtoWriter.WIRE_VARINT -> readVarint();
            case ProtoWriter.WIRE_FIXED64 -> readFixed64();
            case ProtoWriter.WIRE_LENGTH_DELIMITED -> readBytes();
            case ProtoWriter.WIRE_FIXED32 -> readFixed32();
            default -> throw new IOException("unsupported wire type " + wireType + " at offset " + pos);
        }
    }

    private byte next() throws IOException {
        if (pos >= data.length) {
            throw new IOException("truncated protobuf message (" + data.length + " bytes)");
        }
        return data[pos++];
    }
}
