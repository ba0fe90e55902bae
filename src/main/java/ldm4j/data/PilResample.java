package ldm4j.data;

import java.util.Arrays;

/**
 * PIL's {@code Image.resize} for 8-bit images (Pillow's {@code Resample.c}), restated exactly: separable
 * filters with support scaled by the downscale factor, coefficients normalised to sum 1 in double precision
 * and then rounded to 22-bit fixed point, a horizontal pass into an 8-bit image (rounded and clipped), then a
 * vertical pass. Only the filters ADM's {@code center_crop_arr} uses are here: BOX and BICUBIC (a = -0.5).
 *
 * <p>Every output pixel depends only on its own coefficients, so {@link #resize} can compute a window of the
 * output (the center crop) with the values the whole resize would give there: taps are computed for the window's
 * columns and rows only, and the horizontal pass runs only on the input rows the window's vertical taps read.
 *
 * <p>The loops are shaped for the JIT: the horizontal pass accumulates the three planes in one tap loop (one
 * coefficient load for three products, as Pillow's RGBx loop), the vertical pass runs over a (rows, 3, ww)
 * intermediate so each tap is one contiguous multiply-add over 3 * ww values; every sum is the same int sum
 * Pillow forms, so the bytes do not change.
 */
final class PilResample {
    private PilResample() {
    }

    /** 8 bits of result, 2 bits of headroom for filters with negative lobes (Pillow's PRECISION_BITS). */
    static final int PRECISION_BITS = 32 - 8 - 2;

    enum Filter {
        BOX(0.5), BICUBIC(2.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            if (this == BOX) {
                return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            }
            double a = -0.5;
            double t = Math.abs(x);
            if (t < 1.0) {
                return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
            }
            if (t < 2.0) {
                return (((t - 5) * t + 8) * t - 4) * a;
            }
            return 0.0;
        }
    }

    /**
     * The fixed-point taps of a 1-D resize from {@code inSize} to {@code outSize} samples.
     *
     * <p>Output i here is output {@code from + i} of the whole resize when the taps were computed for a window.
     *
     * @param first first input sample of output i: {@code first[i]}
     * @param count taps of output i
     * @param k     {@code k[i * ksize + j]}: weight of input {@code first[i] + j}, scaled by 2^22
     */
    record Taps(int[] first, int[] count, int[] k, int ksize) {
        /** One past the last input sample outputs {@code [from, to)} read. */
        int end(int from, int to) {
            int e = 0; // Pillow's ybox_last
            for (int i = from; i < to; i++) {
                e = Math.max(e, first[i] + count[i]);
            }
            return e;
        }

        /** The first input sample outputs {@code [from, to)} read. */
        int start(int from, int to) {
            int s = Integer.MAX_VALUE;
            for (int i = from; i < to; i++) {
                s = Math.min(s, first[i]);
            }
            return s;
        }
    }

    /** Pillow's {@code precompute_coeffs} and {@code normalize_coeffs_8bpc} for the box (0, inSize). */
    static Taps taps(int inSize, int outSize, Filter filter) {
        return taps(inSize, outSize, filter, 0, outSize);
    }

    /** The taps of outputs {@code [from, to)} only, with the values the whole resize to {@code outSize} has there. */
    static Taps taps(int inSize, int outSize, Filter filter, int from, int to) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int n = to - from;
        int[] first = new int[n];
        int[] count = new int[n];
        int[] k = new int[n * ksize];
        double[] w = new double[ksize];
        double ss = 1.0 / filterScale;
        for (int i = 0; i < n; i++) {
            double center = (from + i + 0.5) * scale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                w[x] = filter.weight((x + xmin - center + 0.5) * ss);
                ww += w[x];
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                k[i * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            first[i] = xmin;
            count[i] = xmax;
        }
        return new Taps(first, count, k, ksize);
    }

    /** Rounds and clips a fixed-point sum to 8 bits (Pillow's {@code clip8}). */
    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /**
     * Rows {@code [y0, y0 + wh)} and columns {@code [x0, x0 + ww)} of {@code img} resized to {@code outW x outH}
     * with {@code filter}, as PIL computes them (horizontal pass first, each pass skipped when its size is
     * unchanged).
     */
    static RawImage resize(RawImage img, int outW, int outH, Filter filter, int x0, int y0, int ww, int wh) {
        int h = img.height();
        int w = img.width();
        if (x0 < 0 || y0 < 0 || ww < 1 || wh < 1 || x0 + ww > outW || y0 + wh > outH) {
            throw new IllegalArgumentException("window " + ww + "x" + wh + "+" + x0 + "+" + y0 + " outside " + outW + "x" + outH);
        }
        boolean horizontal = outW != w;
        boolean vertical = outH != h;
        Taps tv = vertical ? taps(h, outH, filter, y0, y0 + wh) : null;
        int rowFrom = vertical ? tv.start(0, wh) : y0;    // input rows the window reads
        int rowTo = vertical ? tv.end(0, wh) : y0 + wh;
        int rows = rowTo - rowFrom;
        byte[] mid = horizontal ? horizontal(img, taps(w, outW, filter, x0, x0 + ww), rowFrom, rows)
                : copyWindow(img, x0, rowFrom, ww, rows);       // (rows, 3, ww)
        if (!vertical) {
            return new RawImage(toPlanes(mid, rows, ww), rows, ww);
        }
        return new RawImage(vertical(mid, ww, tv, rowFrom), wh, ww);
    }

    /** Pass 1: rows {@code [rowFrom, rowFrom + rows)} of the planar image resampled along x, as (rows, 3, ww). */
    private static byte[] horizontal(RawImage img, Taps th, int rowFrom, int rows) {
        int w = img.width();
        int plane = img.height() * w;
        byte[] src = img.planes();                             // (3, H, W)
        int[] first = th.first();
        int[] count = th.count();
        int[] k = th.k();
        int ww = first.length;
        int ks = th.ksize();
        byte[] mid = new byte[rows * 3 * ww];                  // (rows, 3, ww)
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int in = (rowFrom + y) * w;
            int out = y * 3 * ww;
            for (int xx = 0; xx < ww; xx++) {
                int f = first[xx] + in;
                int n = count[xx];
                int kb = xx * ks;
                int s0 = half;
                int s1 = half;
                int s2 = half;
                for (int j = 0; j < n; j++) {
                    int kj = k[kb + j];
                    int p = f + j;
                    s0 += (src[p] & 255) * kj;
                    s1 += (src[p + plane] & 255) * kj;
                    s2 += (src[p + 2 * plane] & 255) * kj;
                }
                mid[out + xx] = clip8(s0);
                mid[out + ww + xx] = clip8(s1);
                mid[out + 2 * ww + xx] = clip8(s2);
            }
        }
        return mid;
    }

    /** Columns {@code [x0, x0 + ww)} of rows {@code [rowFrom, rowFrom + rows)}, as (rows, 3, ww). */
    private static byte[] copyWindow(RawImage img, int x0, int rowFrom, int ww, int rows) {
        int w = img.width();
        int plane = img.height() * w;
        byte[] mid = new byte[rows * 3 * ww];
        for (int y = 0; y < rows; y++) {
            for (int c = 0; c < 3; c++) {
                System.arraycopy(img.planes(), c * plane + (rowFrom + y) * w + x0, mid, (y * 3 + c) * ww, ww);
            }
        }
        return mid;
    }

    /** Pass 2: (rows, 3, ww) resampled along y to the window's wh rows, as planar (3, wh, ww). */
    private static byte[] vertical(byte[] mid, int ww, Taps tv, int rowFrom) {
        int[] first = tv.first();
        int[] count = tv.count();
        int[] k = tv.k();
        int wh = first.length;
        int ks = tv.ksize();
        int row = 3 * ww;
        byte[] dst = new byte[3 * wh * ww];                    // (3, wh, ww)
        int[] acc = new int[row];
        int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < wh; yy++) {
            int f = first[yy] - rowFrom;
            int n = count[yy];
            Arrays.fill(acc, half);
            for (int j = 0; j < n; j++) {
                int kj = k[yy * ks + j];
                int m = (f + j) * row;
                for (int x = 0; x < row; x++) {
                    acc[x] += (mid[m + x] & 255) * kj;
                }
            }
            for (int c = 0; c < 3; c++) {
                int out = (c * wh + yy) * ww;
                int a = c * ww;
                for (int x = 0; x < ww; x++) {
                    dst[out + x] = clip8(acc[a + x]);
                }
            }
        }
        return dst;
    }

    /** (rows, 3, ww) to planar (3, rows, ww). */
    private static byte[] toPlanes(byte[] mid, int rows, int ww) {
        byte[] dst = new byte[mid.length];
        for (int y = 0; y < rows; y++) {
            for (int c = 0; c < 3; c++) {
                System.arraycopy(mid, (y * 3 + c) * ww, dst, (c * rows + y) * ww, ww);
            }
        }
        return dst;
    }
}
