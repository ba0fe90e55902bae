package ldm4j.io.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProtoWriterTest {

    @ParameterizedTest(name = "varint({0}) = {1}")
    @CsvSource({
        "0, 00",
        "1, 01",
        "127, 7f",
        "128, 8001",
        "300, ac02",
        "16384, 808001",
        "2147483647, ffffffff07",
        "9223372036854775807, ffffffffffffffff7f",
        "-1, ffffffffffffffffff01",
        "-9223372036854775808, 80808080808080808001",
    })
    void varintEncoding(long value, String expectedHex) throws IOException {
        byte[] encoded = new ProtoWriter().writeVarint(value).toByteArray();
        assertArrayEquals(hex(expectedHex), encoded);
        assertEquals(value, new ProtoReader(encoded).readVarint());
    }

    @Test
    void negativeInt64AndInt32FieldsTakeTenByteVarints() {
        assertArrayEquals(hex("10ffffffffffffffffff01"), new ProtoWriter().writeInt64(2, -1L).toByteArray());
        assertArrayEquals(hex("08feffffffffffffffff01"), new ProtoWriter().writeInt32(1, -2).toByteArray());
    }

    @Test
    void tagsCombineFieldNumberAndWireType() {
        assertArrayEquals(hex("08"), new ProtoWriter().writeTag(1, ProtoWriter.WIRE_VARINT).toByteArray());
        assertArrayEquals(hex("2a"), new ProtoWriter().writeTag(5, ProtoWriter.WIRE_LENGTH_DELIMITED).toByteArray());
        assertArrayEquals(hex("8001"), new ProtoWriter().writeTag(16, ProtoWriter.WIRE_VARINT).toByteArray());
    }

    @Test
    void fixedWidthValuesAreLittleEndian() {
        assertArrayEquals(hex("09000000000000f03f"), new ProtoWriter().writeDouble(1, 1.0).toByteArray());
        assertArrayEquals(hex("150000c03f"), new ProtoWriter().writeFloat(2, 1.5f).toByteArray());
        assertArrayEquals(hex("0102030405060708"), new ProtoWriter().writeFixed64(0x0807060504030201L).toByteArray());
        assertArrayEquals(hex("01020304"), new ProtoWriter().writeFixed32(0x04030201).toByteArray());
    }

    @Test
    void stringsAreUtf8LengthDelimited() {
        assertArrayEquals(hex("1a0d627261696e2e4576656e743a32"),
                new ProtoWriter().writeString(3, "brain.Event:2").toByteArray());
        assertArrayEquals(hex("0a02c3a9"), new ProtoWriter().writeString(1, "\u00e9").toByteArray());
        assertArrayEquals(hex("2200"), new ProtoWriter().writeBytes(4, new byte[0]).toByteArray());
    }

    @Test
    void nestedMessagesAreLengthPrefixed() {
        ProtoWriter inner = new ProtoWriter().writeInt32(1, 150);
        assertArrayEquals(hex("1a03089601"), new ProtoWriter().writeMessage(3, inner).toByteArray());
    }

    @Test
    void rejectsInvalidFieldNumbersAndWireTypes() {
        ProtoWriter writer = new ProtoWriter();
        assertThrows(IllegalArgumentException.class, () -> writer.writeTag(0, ProtoWriter.WIRE_VARINT));
        assertThrows(IllegalArgumentException.class, () -> writer.writeTag(1 << 29, ProtoWriter.WIRE_VARINT));
        assertThrows(IllegalArgumentException.class, () -> writer.writeTag(1, 3));
        assertThrows(IllegalArgumentException.class, () -> writer.writeMessage(1, writer));
        assertEquals(0, writer.size());
    }

    static byte[] hex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
