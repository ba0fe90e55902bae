package ldm4j.io.tensorboard;

import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) checksums with the masking TensorFlow applies in TFRecord files.
 *
 * <p>TFRecord stores {@code mask(crc32c(bytes))} rather than the raw checksum so that a CRC computed
 * over data that itself contains embedded CRCs stays well distributed:
 * {@code mask(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8} (32-bit arithmetic).
 */
final class MaskedCrc32c {

    private static final int MASK_DELTA = 0xa282ead8;

    private MaskedCrc32c() {
    }

    /** Unmasked CRC32C of {@code data[offset, offset + length)}. */
    static int crc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    /** Masked CRC32C of the whole array, as stored in a TFRecord. */
    static int masked(byte[] data) {
        return mask(crc32c(data, 0, data.length));
    }

    /** Masked CRC32C of {@code data[offset, offset + length)}, as stored in a TFRecord. */
    static int masked(byte[] data, int offset, int length) {
        return mask(crc32c(data, offset, length));
    }

    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    static int unmask(int maskedCrc) {
        int rotated = maskedCrc - MASK_DELTA;
        return (rotated >>> 17) | (rotated << 15);
    }
}
