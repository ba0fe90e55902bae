package ldm4j.autoencoder;

import java.util.ArrayList;
import java.util.List;

import ldm4j.config.DiscriminatorConfig;
import ldm4j.nn.ModuleList;
import ldm4j.nn.Layers;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * PatchGAN discriminator (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
 * Networks", section 3.2.2), as used for the LDM autoencoder (Rombach et al. 2022, after Esser et al.
 * 2021): one real/fake logit per overlapping image patch rather than per image. GroupNorm replaces
 * BatchNorm so that the logits do not depend on the batch composition.
 *
 * <p>{@code blocks.0}: 4x4 conv, stride 2, pad 1 (3 -> ch), LeakyReLU(0.2), no norm;
 * {@code blocks.k}, k = 1..layers-1: 4x4 conv, stride 2, pad 1 (-> ch * min(2^k, 8)), GroupNorm,
 * LeakyReLU(0.2); {@code out}: 4x4 conv, stride 1, pad 1 (-> 1). State-dict names
 * {@code blocks.{k}.conv}, {@code blocks.{k}.norm}, {@code out}. A 64x64 image with 3 layers gives
 * features at 32, 16, 8 px and (B, 1, 7, 7) logits.
 */
public final class PatchDiscriminator extends Module {
    /** Patch logits (B, 1, h, w) and every block's output after its LeakyReLU (for feature matching). */
    public record Output(Tensor logits, List<Tensor> features) {
        public Output {
            features = List.copyOf(features);
        }
    }

    private static final double SLOPE = 0.2;

    private final DiscriminatorConfig config;
    private final ModuleList<Block> blocks; // blocks.{k}
    private final Conv2dImpl out;

    public PatchDiscriminator(DiscriminatorConfig c) {
        this.config = c;
        blocks = register_module("blocks", new ModuleList<>());
        long cur = 3;
        for (int k = 0; k < c.layers(); k++) {
            long width = (long) c.channels() * Math.min(1L << k, 8L);
            blocks.add(new Block(cur, width, k == 0 ? 0 : c.groups()));
            cur = width;
        }
        out = register_module("out", Layers.conv2d(cur, 1, 4, 1, 1));
    }

    public DiscriminatorConfig config() {
        return config;
    }

    /** (B, 3, H, W) -> logits (B, 1, H/2^layers - 1, W/2^layers - 1) and the block outputs. */
    public Output forward(Tensor x) {
        List<Tensor> features = new ArrayList<>(blocks.size());
        Tensor h = x;
        for (Block b : blocks) {
            h = b.forward(h);                  // (B, ch*min(2^k, 8), H/2^(k+1), W/2^(k+1))
            features.add(h);
        }
        return new Output(out.forward(h), features); // (B, 1, h-1, w-1)
    }

    /** conv (4x4, stride 2) [-> GroupNorm] -> LeakyReLU(0.2). */
    private static final class Block extends Module {
        private final Conv2dImpl conv;
        private final GroupNormImpl norm; // null in the first block

        Block(long in, long out, long groups) {
            conv = register_module("conv", Layers.conv2d(in, out, 4, 2, 1));
            norm = groups > 0 ? register_module("norm", Layers.groupNorm(groups, out)) : null;
        }

        Tensor forward(Tensor x) {
            Tensor h = conv.forward(x);
            if (norm != null) {
                h = norm.forward(h);
            }
            return torch.leaky_relu(h, new Scalar(SLOPE));
        }
    }
}
