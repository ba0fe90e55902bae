package ldm4j.io.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TfRecordTest {

    @Test
    void framesLengthDataAndMaskedCrcs() throws IOException {
        byte[] data = "123456789".getBytes(StandardCharsets.US_ASCII);
        byte[] framed = frame(List.of(data));

        assertEquals(8 + 4 + data.length + 4, framed.length);
        ByteBuffer buf = ByteBuffer.wrap(framed).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(data.length, buf.getLong());
        assertEquals(MaskedCrc32c.masked(Arrays.copyOf(framed, 8)), buf.getInt());
        byte[] payload = new byte[data.length];
        buf.get(payload);
        assertArrayEquals(data, payload);
        assertEquals(0xc78ab0e5, buf.getInt()); // TensorBoard's masked_crc32c(b"123456789")
    }

    @Test
    void emptyRecordUsesReferenceCrcs() throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(frame(List.of(new byte[0]))).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0L, buf.getLong());
        assertEquals(0x07980329, buf.getInt()); // masked_crc32c(uint64le(0))
        assertEquals(0xa282ead8, buf.getInt()); // masked_crc32c(b"")
    }

    @Test
    void roundTripsSeveralRecords() throws IOException {
        List<byte[]> records = List.of(new byte[0], new byte[] {1, 2, 3}, new byte[70_000]);
        try (TfRecordReader reader = new TfRecordReader(new ByteArrayInputStream(frame(records)))) {
            for (byte[] expected : records) {
                assertArrayEquals(expected, reader.next());
            }
            assertNull(reader.next());
        }
    }

    @Test
    void detectsCorruptDataCrc() throws IOException {
        byte[] framed = frame(List.of(new byte[] {10, 20, 30}, new byte[] {40}));
        framed[13] ^= 0x01; // first payload byte of the first record
        TfRecordReader reader = new TfRecordReader(new ByteArrayInputStream(framed));
        TfRecordReader.CorruptRecordException e =
                assertThrows(TfRecordReader.CorruptRecordException.class, reader::next);
        assertTrue(e.getMessage().contains("data CRC mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("offset 0"), e.getMessage());
    }

    @Test
    void detectsCorruptLengthCrcInLaterRecord() throws IOException {
        byte[] framed = frame(List.of(new byte[] {10, 20, 30}, new byte[] {40}));
        int second = 16 + 3;
        framed[second + 8] ^= (byte) 0x80; // the length CRC of the second record
        TfRecordReader reader = new TfRecordReader(new ByteArrayInputStream(framed));
        assertArrayEquals(new byte[] {10, 20, 30}, reader.next());
        TfRecordReader.CorruptRecordException e =
                assertThrows(TfRecordReader.CorruptRecordException.class, reader::next);
        assertTrue(e.getMessage().contains("length CRC mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("offset " + second), e.getMessage());
    }

    @Test
    void detectsTruncation() throws IOException {
        byte[] framed = frame(List.of(new byte[] {1, 2, 3, 4}));
        for (int cut : new int[] {5, 12, 17, framed.length - 1}) {
            TfRecordReader reader = new TfRecordReader(new ByteArrayInputStream(Arrays.copyOf(framed, cut)));
            assertThrows(EOFException.class, reader::next, "cut at " + cut);
        }
    }

    private static byte[] frame(List<byte[]> records) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TfRecordWriter writer = new TfRecordWriter(bytes)) {
            for (byte[] record : records) {
                writer.write(record);
            }
        }
        return bytes.toByteArray();
    }
}
