package ldm4j.io.tensorboard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Minimal protocol-buffer (wire format) encoder, enough to serialise TensorBoard events without a
 * protobuf dependency.
 *
 * <p>Every {@code write*(field, value)} method writes the field unconditionally; callers that want
 * proto3 canonical output (default values omitted) decide that themselves. Fields must be written in
 * ascending field-number order to match the bytes produced by the reference protobuf serialisers.
 * Instances are single-use builders and not thread-safe.
 */
final class ProtoWriter {

    static final int WIRE_VARINT = 0;
    static final int WIRE_FIXED64 = 1;
    static final int WIRE_LENGTH_DELIMITED = 2;
    static final int WIRE_FIXED32 = 5;

    /** Largest legal field number (2^29 - 1). */
    static final int MAX_FIELD_NUMBER = (1 << 29) - 1;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Raw base-128 varint; negative values take 10 bytes (two's complement, as protobuf int64). */
    ProtoWriter writeVarint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    ProtoWriter writeTag(int fieldNumber, int wireType) {
        if (fieldNumber < 1 || fieldNumber > MAX_FIELD_NUMBER) {
            throw new IllegalArgumentException("protobuf field number out of range [1, 2^29-1]: " + fieldNumber);
        }
        if (wireType != WIRE_VARINT && wireType != WIRE_FIXED64
                && wireType != WIRE_LENGTH_DELIMITED && wireType != WIRE_FIXED32) {
            throw new IllegalArgumentException("unsupported protobuf wire type: " + wireType);
        }
        return writeVarint(((long) fieldNumber << 3) | wireType);
    }

    /** Raw little-endian 64-bit value. */
    ProtoWriter writeFixed64(long value) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (value >>> (8 * i)));
        }
        return this;
    }

    /** Raw little-endian 32-bit value. */
    ProtoWriter writeFixed32(int value) {
        for (int i = 0; i < 4; i++) {
            out.write(value >>> (8 * i));
        }
        return this;
    }

    /** {@code int64} / {@code uint64} field. */
    ProtoWriter writeInt64(int fieldNumber, long value) {
        return writeTag(fieldNumber, WIRE_VARINT).writeVarint(value);
    }

    /** {@code int32} field; negative values are sign-extended to 10 bytes as protobuf requires. */
    ProtoWriter writeInt32(int fieldNumber, int value) {
        return writeTag(fieldNumber, WIRE_VARINT).writeVarint(value);
    }

    ProtoWriter writeDouble(int fieldNumber, double value) {
        return writeTag(fieldNumber, WIRE_FIXED64).writeFixed64(Double.doubleToRawLongBits(value));
    }

    ProtoWriter writeFloat(int fieldNumber, float value) {
        return writeTag(fieldNumber, WIRE_FIXED32).writeFixed32(Float.floatToRawIntBits(value));
    }

    ProtoWriter writeBytes(int fieldNumber, byte[] value) {
        Objects.requireNonNull(value, "value");
        writeTag(fieldNumber, WIRE_LENGTH_DELIMITED).writeVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    /** {@code string} field, UTF-8 encoded. */
    ProtoWriter writeString(int fieldNumber, String value) {
        Objects.requireNonNull(value, "value");
        return writeBytes(fieldNumber, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Embedded message field: the nested writer's bytes, length-prefixed. */
    ProtoWriter writeMessage(int fieldNumber, ProtoWriter message) {
        Objects.requireNonNull(message, "message");
        if (message == this) {
            throw new IllegalArgumentException("a message cannot be nested inside itself");
        }
        return writeBytes(fieldNumber, message.toByteArray());
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
