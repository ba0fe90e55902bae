package ldm4j.data;

/**
 * ADM's {@code center_crop_arr} (guided-diffusion; also DiT, SiT, REPA and EDM2's ImageNet tool), pixel for pixel
 * as PIL computes it: while the short side is at least 2S, halve both sides ({@code w // 2}, {@code h // 2})
 * with a BOX filter; then BICUBIC to a short side of S (the long side {@code round(long * S / short)}, Python's
 * round half to even); then the center S x S ({@code (H - S) // 2}, {@code (W - S) // 2}).
 *
 * <p>The BOX halvings average whole pixels before the bicubic step, so the result is softer than one
 * antialiased bicubic resize of the center square (ldm4j's {@code center} mode) and is what the ImageNet-256
 * papers' FIDs were measured on.
 */
public final class AdmCrop {
    private AdmCrop() {
    }

    /** The (S, S) crop of {@code img}. */
    public static RawImage apply(RawImage img, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive");
        }
        while (Math.min(img.width(), img.height()) >= 2 * size) {
            int w = img.width() / 2;
            int h = img.height() / 2;
            img = PilResample.resize(img, w, h, PilResample.Filter.BOX, 0, 0, w, h);
        }
        double scale = (double) size / Math.min(img.width(), img.height());
        int w = (int) Math.rint(img.width() * scale);
        int h = (int) Math.rint(img.height() * scale);
        int top = (h - size) / 2;
        int left = (w - size) / 2;
        return PilResample.resize(img, w, h, PilResample.Filter.BICUBIC, left, top, size, size);
    }
}
