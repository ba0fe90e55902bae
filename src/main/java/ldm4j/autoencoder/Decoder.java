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
    private final ModuleList<Level> up; // up.{i}, run from L-1 down to 0
    private final Level[] levels;
    private final GroupNormImpl normOut;
    private final Conv2dImpl convOut;
    private final int patchSize;

    public Decoder(AutoencoderConfig c) {
        VaeLayout layout = VaeLayout.of(c);
        long cur = layout.midWidth();
        convIn = register_module("conv_in", Layers.conv3x3(layout.latentChannels(), cur));
        mid = register_module("mid", Encoder.midBlock(cur, c));
        // built in running order, from the lowest resolution up (widths chain that way), registered as up.0 .. up.{L-1}
        levels = new Level[layout.up().size()];
        for (VaeLayout.Level l : layout.up()) {
            Level level = new Level();
            for (VaeLayout.Block b : l.blocks()) {
                level.add(new ResBlock(b.in(), b.out(), c.groups(), 0.0), null);
            }
            if (l.resamples()) {
                level.upsample(l.width());
            }
            levels[l.index()] = level;
        }
        up = register_module("up", new ModuleList<>());
        for (Level level : levels) {
            up.add(level);
        }
        normOut = register_module("norm_out", Layers.groupNorm(c.groups(), layout.firstWidth()));
        patchSize = c.patchSize();
        convOut = register_module("conv_out", Layers.conv3x3(layout.firstWidth(), layout.imageChannels()));
    }

    /** (B, latent, h, w) -> (B, 3, h*f, w*f). */
    public Tensor forward(Tensor z) {
        // each block in its own memory scope, its output freed once the next exists, as in PyTorch
        List<UnaryOperator<Tensor>> blocks = new ArrayList<>();
        blocks.add(convIn::forward);                                  // (B, ch*m_last, h, w)
        blocks.add(mid::forward);                                     // (B, ch*m_last, h, w)
        for (int i = levels.length - 1; i >= 0; i--) {
            blocks.add(levels[i]::forward);                           // (B, ch*m_i, h*2^(L-i), ...), level 0: no doubling
        }
        blocks.add(v -> Layers.normSiluConv(normOut, convOut, v));    // (B, 3p^2, h*f/p, w*f/p)
        Tensor out = BlockScope.sequence(z, blocks);
        return patchSize > 1 ? torch.pixel_shuffle(out, patchSize) : out; // (B, 3, h*f, w*f)
    }
}
