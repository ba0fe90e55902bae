package ldm4j.autoencoder;

/**
 * Reconstruction error on the [-1, 1] pixel scale. PSNR uses the peak-to-peak range 2, so
 * {@code PSNR = 10 log10(4 / MSE)}: MSE 0.003 is 31.2 dB (the same images on [0, 1] have a 4x
 * smaller MSE and the same PSNR).
 */
public record ReconstructionMetrics(double mse, double psnr, int images) {

    public static ReconstructionMetrics of(double sumSquaredError, long elements, int images) {
        double mse = sumSquaredError / elements;
        return new ReconstructionMetrics(mse, psnr(mse), images);
    }

    public static double psnr(double mse) {
        return 10 * Math.log10(4.0 / mse);
    }
}
