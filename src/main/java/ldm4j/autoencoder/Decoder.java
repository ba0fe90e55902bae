package ldm4j.autoencoder;

import java.util.List;

import ldm4j.config.AutoencoderConfig;
import ldm4j.nn.Container;
import ldm4j.nn.Layers;
import ldm4j.nn.ResBlock;
import ldm4j.nn.Upsample;
import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The LDM autoencoder's decoder (Rombach et al. 2022, appendix G; CompVis {@code Decoder}), the
 * mirror of {@link Encoder}: a latent (B, latentChannels, h, w) to an image (B, 3, h*f, w*f). No
 * output activation (the reconstruction loss is on unbounded values; clamp for display).
 *
 * <p>State-dict names: {@code conv_in}; {@code mid.res1}, {@code mid.attn} (if enabled),
 * {@code mid.res2}; for level i from the last down to 0, {@code up.{i}.res.{j}} ({@link ResBlock}, the
 * first maps the current width to {@code channels * multipliers[i]}) and, for i > 0,
 * {@code up.{i}.upsample.conv} ({@link Upsample}); {@code norm_out}; {@code conv_out} (to 3p^2 channels,
 * pixel-shuffled to 3 channels at p times the size when the patch size p is above 1).
 */
public final class Decoder extends Module {
    private final Conv2dImpl convIn;
    private final MidBlock mid;
    private final ResBlock[][] res;
    private final Upsample[] upsample;
    private final Container up; // up.{i}.res.{j}, up.{i}.upsample
    private final GroupNormImpl normOut;
    private final Conv2dImpl convOut;
    private final int patchSize;

    public Decoder(AutoencoderConfig c) {
        List<Integer> m = c.multipliers();
        int levels = m.size();
        long cur = (long) c.channels() * m.get(levels - 1);
        convIn = register_module("conv_in", Layers.conv3x3(c.latentChannels(), cur));
        mid = register_module("mid", new MidBlock(cur, c.groups(), c.midAttention()));
        // built from the lowest resolution up (widths chain that way), registered as up.0 .. up.{L-1}
        res = new ResBlock[levels][c.resBlocks()];
        upsample = new Upsample[levels];
        for (int i = levels - 1; i >= 0; i--) {
            long width = (long) c.channels() * m.get(i);
            for (int j = 0; j < c.resBlocks(); j++) {
                res[i][j] = new ResBlock(cur, width, c.groups(), 0.0);
                cur = width;
            }
            if (i > 0) {
                upsample[i] = new Upsample(cur);
            }
        }
        up = register_module("up", new Container());
        for (int i = 0; i < levels; i++) {
            Container level = up.add(i, new Container());
            Container blocks = level.add("res", new Container());
            for (int j = 0; j < c.resBlocks(); j++) {
                blocks.add(j, res[i][j]);
            }
            if (upsample[i] != null) {
                level.add("upsample", upsample[i]);
            }
        }
        normOut = register_module("norm_out", Layers.groupNorm(c.groups(), cur));
        patchSize = c.patchSize();
        convOut = register_module("conv_out", Layers.conv3x3(cur, 3L * patchSize * patchSize));
    }

    /** (B, latent, h, w) -> (B, 3, h*f, w*f). */
    public Tensor forward(Tensor z) {
        Tensor h = BlockScope.call(() -> mid.forward(convIn.forward(z))); // (B, ch*m_last, h, w)
        // each h is freed once the next exists (BlockScope.consume), as in PyTorch
        for (int i = res.length - 1; i >= 0; i--) {
            for (ResBlock block : res[i]) {
                h = BlockScope.consume(h, block::forward);  // (B, ch*m_i, h*2^(L-1-i), w*2^(L-1-i))
            }
            if (upsample[i] != null) {
                h = BlockScope.consume(h, upsample[i]::forward); // spatial size doubles
            }
        }
        Tensor out = BlockScope.consume(h, v -> BlockScope.call(() -> convOut.forward(Layers.normSilu(normOut, v)))); // (B, 3p^2, h*f/p, w*f/p)
        return patchSize > 1 ? torch.pixel_shuffle(out, patchSize) : out; // (B, 3, h*f, w*f)
    }
}
