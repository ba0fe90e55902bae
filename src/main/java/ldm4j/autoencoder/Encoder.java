package ldm4j.autoencoder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import ldm4j.config.AutoencoderConfig;
import ldm4j.config.VaeLayout;
import ldm4j.nn.Layers;
import ldm4j.nn.Level;
import ldm4j.nn.MidBlock;
import ldm4j.nn.ModuleList;
import ldm4j.nn.ResBlock;
import ldm4j.nn.SelfAttention2d;
import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The LDM autoencoder's encoder (Rombach et al. 2022, appendix G; CompVis {@code Encoder}): an image
 * (B, 3, H, W) to the posterior over a (B, latentChannels, H/f, W/f) latent, f = p * 2^(levels-1).
 * With patch size p > 1 the image is first pixel-unshuffled to (B, 3p^2, H/p, W/p) (Shi et al. 2016).
 *
 * <p>State-dict names: {@code conv_in} (from 3p^2 channels); {@code down.{i}.res.{j}} ({@link ResBlock}, the first of a
 * level maps the previous width to {@code channels * multipliers[i]}) and {@code down.{i}.downsample}
 * (3x3 conv, stride 2, padding 1) for every level but the last ({@link Level}); {@code mid.res1}, {@code mid.attn}
 * (if enabled), {@code mid.res2}; {@code norm_out}; {@code conv_out} (to 2 * latentChannels).
 */
public final class Encoder extends Module {
    private final Conv2dImpl convIn;
    private final ModuleList<Level> down;
    private final MidBlock mid;
    private final GroupNormImpl normOut;
    private final Conv2dImpl convOut;
    private final int patchSize;

    public Encoder(AutoencoderConfig c) {
        VaeLayout layout = VaeLayout.of(c);
        patchSize = c.patchSize();
        convIn = register_module("conv_in", Layers.conv3x3(layout.imageChannels(), layout.firstWidth()));
        down = register_module("down", new ModuleList<>());
        for (VaeLayout.Level l : layout.down()) {
            Level level = down.add(new Level());
            for (VaeLayout.Block b : l.blocks()) {
                level.add(new ResBlock(b.in(), b.out(), c.groups(), 0.0), null);
            }
            if (l.resamples()) {
                level.downsample(l.width());
            }
        }
        long cur = layout.midWidth();
        mid = register_module("mid", midBlock(cur, c));
        normOut = register_module("norm_out", Layers.groupNorm(c.groups(), cur));
        convOut = register_module("conv_out", Layers.conv3x3(cur, 2L * layout.latentChannels()));
    }

    /** {@code res1}, single-head {@code attn} (if enabled), {@code res2}, built in that order. */
    static MidBlock midBlock(long ch, AutoencoderConfig c) {
        return new MidBlock(new ResBlock(ch, ch, c.groups(), 0.0),
                c.midAttention() ? new SelfAttention2d(ch, c.groups(), 1) : null,
                new ResBlock(ch, ch, c.groups(), 0.0));
    }

    /** (B, 3, H, W) -> posterior with mean and logvar of shape (B, latentChannels, H/f, W/f). */
    public DiagonalGaussian forward(Tensor x) {
        // each block in its own memory scope, its output freed once the next exists, as in PyTorch
        List<UnaryOperator<Tensor>> blocks = new ArrayList<>();
        if (patchSize > 1) {
            blocks.add(v -> torch.pixel_unshuffle(v, patchSize));    // (B, 3p^2, H/p, W/p)
        }
        blocks.add(convIn::forward);                                  // (B, ch*m0, H/p, W/p)
        for (Level level : down) {
            blocks.add(level::forward);                               // (B, ch*m_i, H/(p*2^(i+1)), ...), last level: no halving
        }
        blocks.add(mid::forward);                                     // (B, ch*m_last, H/f, W/f)
        blocks.add(v -> Layers.normSiluConv(normOut, convOut, v));    // (B, 2*latent, H/f, W/f)
        Tensor h = BlockScope.sequence(x, blocks);
        TensorVector parts = h.chunk(2, 1);                           // mean, logvar: (B, latent, H/f, W/f)
        return new DiagonalGaussian(parts.get(0), parts.get(1));
    }
}
