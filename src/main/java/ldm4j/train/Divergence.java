package ldm4j.train;

import java.nio.file.Path;

import org.bytedeco.pytorch.Tensor;

/**
 * The words for a training step that produced NaN or infinity: whether the cause is the input (a
 * batch holding NaN, from a damaged dataset or latent cache: a lower learning rate would not help)
 * or the optimisation (then the last good checkpoint, if any, and the learning rate to lower).
 * Pure functions.
 */
public final class Divergence {
    private Divergence() {
    }

    /** Whether any of the tensors holds NaN or an infinite value (call on the failed step's batch). */
    public static boolean hasNonFinite(Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t != null && !t.isfinite().all().item_bool()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The one-line message.
     *
     * @param what       the non-finite values, e.g. {@code "loss = NaN, grad norm = 3.2"}
     * @param step       the 1-based step that failed
     * @param lastGood   the newest checkpoint saved before it, or null
     * @param lrOption   the option that sets the learning rate, e.g. {@code "--set unet.train.lr"} or {@code "--lr"}
     * @param badInput   null if the batch was finite; else where it came from and how to fix that, e.g.
     *                   {@code "the latent cache runs/x/latents: rebuild it with 'bin/ldm4j encode --run runs/x'"}
     */
    public static String message(String what, long step, Path lastGood, String lrOption, String badInput) {
        if (badInput != null) {
            return "training stopped at step " + step + ": " + what + " because the batch itself holds NaN or infinite values, "
                    + "from " + badInput + " (a lower learning rate would not help)";
        }
        String lower = "a lower " + lrOption + (lrOption.startsWith("--set ") ? "=..." : " ...");
        String resume = lastGood == null
                ? "no checkpoint was saved before it (last good checkpoint: none); start again with " + lower
                : "last good checkpoint: " + lastGood + " (continue from it with --resume, e.g. with " + lower + ")";
        return "training diverged: " + what + " at step " + step + "; " + resume;
    }
}
