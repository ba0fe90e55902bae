package ldm4j.io.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Known answers were produced by TensorBoard's reference reader,
 * {@code tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c / crc32c}.
 */
class MaskedCrc32cTest {

    @Test
    void crc32cMatchesStandardCheckValue() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xe3069283, MaskedCrc32c.crc32c(check, 0, check.length));
    }

    @Test
    void maskedCrcMatchesTensorBoardReference() {
        assertEquals(0xa282ead8, MaskedCrc32c.masked(new byte[0]));
        assertEquals(0x28e46e78, MaskedCrc32c.masked("a".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0xc78ab0e5, MaskedCrc32c.masked("123456789".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0x0fd7fffa, MaskedCrc32c.masked(new byte[32]));
    }

    @Test
    void maskedCrcOfLengthHeadersMatchesTensorBoardReference() {
        assertEquals(0x07980329, MaskedCrc32c.masked(uint64le(0)));
        assertEquals(0x224b7fa3, MaskedCrc32c.masked(uint64le(24)));
    }

    @Test
    void maskedCrcOfSubrangeEqualsCrcOfCopy() {
        byte[] padded = "xx123456789yy".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xc78ab0e5, MaskedCrc32c.masked(padded, 2, 9));
    }

    @Test
    void unmaskInvertsMask() {
        for (int crc : new int[] {0, 1, -1, 0x80000000, 0x7fffffff, 0xe3069283, 0x12345678}) {
            assertEquals(crc, MaskedCrc32c.unmask(MaskedCrc32c.mask(crc)));
        }
    }

    private static byte[] uint64le(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }
}
