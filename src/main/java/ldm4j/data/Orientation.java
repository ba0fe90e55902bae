package ldm4j.data;

/**
 * EXIF orientation (TIFF tag 0x0112) of a JPEG, and its application to a decoded image, as PIL's
 * {@code ImageOps.exif_transpose}: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
 * 7 transverse, 8 rotate 90 counter-clockwise. Cameras store the sensor's rows and this tag instead of
 * rotating the pixels.
 */
public final class Orientation {
    private Orientation() {
    }

    /** The orientation in a JPEG's EXIF APP1 segment, 1 (as stored) when there is none or it is malformed. */
    public static int ofJpeg(byte[] b) {
        if (b.length < 4 || (b[0] & 255) != 0xFF || (b[1] & 255) != 0xD8) {
            return 1;
        }
        int p = 2;
        while (p + 4 <= b.length && (b[p] & 255) == 0xFF) {
            int marker = b[p + 1] & 255;
            if (marker == 0xDA || marker == 0xD9) {
                return 1; // start of scan: no EXIF before the image data
            }
            int len = u16(b, p + 2, true);
            int body = p + 4;
            if (marker == 0xE1 && len >= 8 && body + len - 2 <= b.length && b[body] == 'E' && b[body + 1] == 'x'
                    && b[body + 2] == 'i' && b[body + 3] == 'f' && b[body + 4] == 0 && b[body + 5] == 0) {
                return ofTiff(b, body + 6, body + len - 2);
            }
            p += 2 + len;
        }
        return 1;
    }

    private static int ofTiff(byte[] b, int start, int end) {
        if (end - start < 8) {
            return 1;
        }
        boolean big = b[start] == 'M';
        int ifd = start + (int) u32(b, start + 4, big);
        if (ifd < start || ifd + 2 > end) {
            return 1;
        }
        int n = u16(b, ifd, big);
        for (int i = 0; i < n; i++) {
            int e = ifd + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, big) == 0x0112) {
                int v = u16(b, e + 8, big);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean big) {
        int x = b[p] & 255;
        int y = b[p + 1] & 255;
        return big ? x << 8 | y : y << 8 | x;
    }

    private static long u32(byte[] b, int p, boolean big) {
        return big ? (long) u16(b, p, true) << 16 | u16(b, p + 2, true) : (long) u16(b, p + 2, false) << 16 | u16(b, p, false);
    }

    /** The image as it should be displayed for EXIF orientation {@code o} (1..8). */
    public static RawImage apply(RawImage img, int o) {
        if (o == 1) {
            return img;
        }
        int h = img.height();
        int w = img.width();
        boolean swap = o >= 5;
        int oh = swap ? w : h;
        int ow = swap ? h : w;
        byte[] src = img.planes();
        byte[] dst = new byte[src.length];
        int plane = h * w;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sy;
                int sx;
                switch (o) {
                    case 2 -> { sy = y; sx = w - 1 - x; }
                    case 3 -> { sy = h - 1 - y; sx = w - 1 - x; }
                    case 4 -> { sy = h - 1 - y; sx = x; }
                    case 5 -> { sy = x; sx = y; }
                    case 6 -> { sy = h - 1 - x; sx = y; }
                    case 7 -> { sy = h - 1 - x; sx = w - 1 - y; }
                    case 8 -> { sy = x; sx = w - 1 - y; }
                    default -> throw new IllegalArgumentException("EXIF orientation " + o + " is not in 1..8");
                }
                for (int c = 0; c < 3; c++) {
                    dst[c * plane + y * ow + x] = src[c * plane + sy * w + sx];
                }
            }
        }
        return new RawImage(dst, oh, ow);
    }
}
