package ldm4j.data;

/**
 * A JPEG's frame header (the SOFn segment: size, sample precision, component count), read from the bytes without
 * decoding anything, so the fast path needs no ImageIO reader (creating one and asking it for the header cost
 * about a third of libjpeg-turbo's whole decode of an ImageNet-sized JPEG).
 *
 * @param marker     the SOF marker's second byte: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, ...
 * @param precision  bits per sample
 * @param components 1 grey, 3 YCbCr (or RGB), 4 CMYK/YCCK
 */
record JpegFrame(int marker, int precision, int width, int height, int components) {

    /**
     * The frame header, or null when the bytes are not a JPEG, the segments before the frame are malformed or cut
     * short, or the image data starts without one (callers then use the JDK's reader, which names the problem).
     */
    static JpegFrame of(byte[] b) {
        if (b.length < 4 || (b[0] & 255) != 0xFF || (b[1] & 255) != 0xD8) {
            return null;
        }
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 255) != 0xFF) {
                return null;
            }
            int m = b[p + 1] & 255;
            if (m == 0xFF) {
                p++; // fill byte before a marker
                continue;
            }
            if (m == 0x01 || m >= 0xD0 && m <= 0xD8) {
                p += 2; // markers without a length
                continue;
            }
            if (m == 0xD9 || m == 0xDA) {
                return null; // end of image or start of scan before any frame header
            }
            int len = u16(b, p + 2);
            if (len < 2 || p + 2 + len > b.length) {
                return null;
            }
            if (isFrame(m)) {
                if (len < 8) {
                    return null;
                }
                return new JpegFrame(m, b[p + 4] & 255, u16(b, p + 7), u16(b, p + 5), b[p + 9] & 255);
            }
            p += 2 + len;
        }
        return null;
    }

    /** True for a Huffman-coded 8-bit grey or colour frame with its size declared: what libjpeg-turbo decodes as PIL does. */
    boolean turboDecodable() {
        return marker <= 0xC2 && precision == 8 && (components == 1 || components == 3) && width > 0 && height > 0;
    }

    /** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
    private static boolean isFrame(int m) {
        return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 255) << 8 | b[p + 1] & 255;
    }
}
