package ldm4j.data;

import java.util.Arrays;

/**
 * The first, straightforward restatement of PIL's resize (kept as the oracle PilResample's faster loops are compared
 * with on random sizes and windows; it matched PIL's fixtures itself). PIL's {@code Image.resize} for 8-bit images (Pillow's {@code Resample.c}), restated exactly: separable
 * filters with support scaled by the downscale factor, coefficients normalised to sum 1 in double precision
 * and then rounded to 22-bit fixed point, a horizontal pass into an 8-bit image (rounded and clipped), then a
 * vertical pass. Only the filters ADM's {@code center_crop_arr} uses are here: BOX and BICUBIC (a = -0.5).
 *
 * <p>Every output pixel depends only on its own coefficients, so {@link #resize} can compute a window of the
 * output (the center crop) with the values the whole resize would give there.
 */
final class PilResampleReference {
    private PilResampleReference() {
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
     * @param first first input sample of output i: {@code first[i]}
     * @param count taps of output i
     * @param k     {@code k[i * ksize + j]}: weight of input {@code first[i] + j}, scaled by 2^22
     */
    record Taps(int[] first, int[] count, int[] k, int ksize) {
        /** One past the last input sample outputs {@code [from, to)} read. */
        int end(int from, int to) {
            int e = 0;
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
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] k = new int[outSize * ksize];
        double[] w = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                w[x] = filter.weight((x + xmin - center + 0.5) * ss);
                ww += w[x];
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                k[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Taps(first, count, k, ksize);
    }

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
        Taps tv = vertical ? taps(h, outH, filter) : null;
        int rowFrom = vertical ? tv.start(y0, y0 + wh) : y0;    // input rows the window reads
        int rowTo = vertical ? tv.end(y0, y0 + wh) : y0 + wh;
        int rows = rowTo - rowFrom;
        byte[] src = img.planes();
        // pass 1: (3, rows, ww) = rows [rowFrom, rowTo) of the horizontally resized image, columns of the window
        byte[] mid = new byte[3 * rows * ww];
        if (horizontal) {
            Taps th = taps(w, outW, filter);
            int ks = th.ksize();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < rows; y++) {
                    int in = c * h * w + (rowFrom + y) * w;
                    int out = (c * rows + y) * ww;
                    for (int xx = 0; xx < ww; xx++) {
                        int o = x0 + xx;
                        int f = th.first()[o] + in;
                        int n = th.count()[o];
                        int kb = o * ks;
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int j = 0; j < n; j++) {
                            ss += (src[f + j] & 255) * th.k()[kb + j];
                        }
                        mid[out + xx] = clip8(ss);
                    }
                }
            }
        } else {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < rows; y++) {
                    System.arraycopy(src, c * h * w + (rowFrom + y) * w + x0, mid, (c * rows + y) * ww, ww);
                }
            }
        }
        if (!vertical) {
            return new RawImage(mid, wh, ww);
        }
        // pass 2: (3, wh, ww)
        byte[] dst = new byte[3 * wh * ww];
        int ks = tv.ksize();
        int[] acc = new int[ww];
        for (int c = 0; c < 3; c++) {
            for (int yy = 0; yy < wh; yy++) {
                int o = y0 + yy;
                int f = tv.first()[o] - rowFrom;
                int n = tv.count()[o];
                Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
                for (int j = 0; j < n; j++) {
                    int kj = tv.k()[o * ks + j];
                    int row = (c * rows + f + j) * ww;
                    for (int x = 0; x < ww; x++) {
                        acc[x] += (mid[row + x] & 255) * kj;
                    }
                }
                int out = (c * wh + yy) * ww;
                for (int x = 0; x < ww; x++) {
                    dst[out + x] = clip8(acc[x]);
                }
            }
        }
        return new RawImage(dst, wh, ww);
    }
}
