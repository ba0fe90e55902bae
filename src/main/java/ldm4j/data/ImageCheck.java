package ldm4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Decodes every image of a split on {@code threads} threads and collects every failure (not only the
 * first) and the distribution of image sizes.
 *
 * @param source   the split's description
 * @param images   images in the split
 * @param failures one message per unreadable image, each naming its file, in index order
 * @param widths   decoded widths of the readable images, sorted
 * @param heights  decoded heights of the readable images, sorted
 * @param shortSides decoded min(width, height) of the readable images, sorted
 * @param nonSquare readable images whose width differs from their height (center-cropped in training)
 * @param seconds  wall time of the check
 */
public record ImageCheck(String source, int images, List<String> failures, int[] widths, int[] heights, int[] shortSides,
                         int nonSquare, double seconds) {

    /** Decodes all images of {@code ds}; never throws for a bad image, it is listed in {@link #failures}. */
    public static ImageCheck run(ImageDataset ds, int threads) {
        long t0 = System.nanoTime();
        int n = ds.size();
        int[] w = new int[n];
        int[] h = new int[n];
        String[] errors = new String[n];
        int chunks = Math.max(1, Math.min(n, threads * 8));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "ldm4j-check");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int c = 0; c < chunks; c++) {
                int from = (int) ((long) n * c / chunks);
                int to = (int) ((long) n * (c + 1) / chunks);
                parts.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        try {
                            RawImage img = ds.load(i);
                            w[i] = img.width();
                            h[i] = img.height();
                        } catch (DataException e) {
                            errors[i] = e.getMessage();
                        }
                    }
                }));
            }
            for (Future<?> f : parts) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while checking " + ds.source(), e);
        } catch (ExecutionException e) {
            throw new DataException("checking " + ds.source() + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<String> failures = new ArrayList<>();
        int ok = 0;
        int nonSquare = 0;
        for (int i = 0; i < n; i++) {
            if (errors[i] != null) {
                failures.add(errors[i]);
            } else {
                ok++;
                nonSquare += w[i] != h[i] ? 1 : 0;
            }
        }
        int[] ws = new int[ok];
        int[] hs = new int[ok];
        int[] ss = new int[ok];
        for (int i = 0, k = 0; i < n; i++) {
            if (errors[i] == null) {
                ws[k] = w[i];
                hs[k] = h[i];
                ss[k++] = Math.min(w[i], h[i]);
            }
        }
        Arrays.sort(ws);
        Arrays.sort(hs);
        Arrays.sort(ss);
        return new ImageCheck(ds.source(), n, List.copyOf(failures), ws, hs, ss, nonSquare, (System.nanoTime() - t0) / 1e9);
    }

    /** Checks a split and throws one DataException naming every bad file (training calls this before its first step). */
    public static void requireReadable(ImageDataset ds, int threads) {
        ImageCheck c = run(ds, threads);
        if (!c.failures.isEmpty()) {
            throw new DataException(c.failureSummary(5));
        }
    }

    public boolean ok() {
        return failures.isEmpty();
    }

    /** Images decoded per second. */
    public double imagesPerSecond() {
        return images / Math.max(seconds, 1e-9);
    }

    /** "N of M images of SOURCE are unreadable: msg; msg; ... (and K more)". */
    public String failureSummary(int max) {
        StringBuilder sb = new StringBuilder(failures.size() + " of " + images + " images of " + source
                + " cannot be used (replace or remove them, then run 'bin/ldm4j data' to check again): ");
        for (int i = 0; i < Math.min(max, failures.size()); i++) {
            sb.append(i == 0 ? "" : "; ").append(failures.get(i));
        }
        if (failures.size() > max) {
            sb.append("; and ").append(failures.size() - max).append(" more");
        }
        return sb.toString();
    }

    /** "width 90..300 (median 300), height 120..200 (median 200); 7 of 13 not square ..., 3 smaller than R px ...". */
    public String sizeSummary(int resolution) {
        if (widths.length == 0) {
            return "no readable image";
        }
        int small = 0;
        while (small < shortSides.length && shortSides[small] < resolution) {
            small++;
        }
        if (widths[0] == widths[widths.length - 1] && heights[0] == heights[heights.length - 1]) {
            return String.format("all %dx%d%s", widths[0], heights[0], nonSquare > 0 ? " (center-cropped to the short side)" : "")
                    + (small > 0 ? ", upscaled to " + resolution + " px" : "");
        }
        return String.format("width %d..%d (median %d), height %d..%d (median %d); %,d of %,d not square "
                        + "(center-cropped to the short side), %,d with a short side below %d px (upscaled)",
                widths[0], widths[widths.length - 1], median(widths), heights[0], heights[heights.length - 1],
                median(heights), nonSquare, widths.length, small, resolution);
    }

    static int median(int[] sorted) {
        return sorted[(sorted.length - 1) / 2];
    }
}
