package ldm4j.unet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import ldm4j.config.UnetConfig;
import ldm4j.config.UnetLayout;
import ldm4j.nn.Backbone;
import ldm4j.nn.DropoutNoise;
import ldm4j.nn.Layers;
import ldm4j.nn.Level;
import ldm4j.nn.MidBlock;
import ldm4j.nn.ModuleList;
import ldm4j.nn.ResBlock;
import ldm4j.nn.SelfAttention2d;
import ldm4j.nn.TimestepEmbedding;
import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.EmbeddingOptions;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Class-conditional UNet on VAE latents: the ADM architecture (Dhariwal &amp; Nichol 2021) as used by
 * latent diffusion (Rombach et al. 2022), built on the DDPM UNet (Ho et al. 2020). It returns the raw
 * network output; the parametrisation (v-prediction, guidance) lives in the denoiser wrapping it.
 *
 * <p>With widths {@code w_i = channels * multipliers[i]}, L levels and embedding size
 * {@code E = 4 channels}:
 * <pre>
 *   emb = time_embed(t) + class_embed(y)                         (B, E); y = numClasses is the null class
 *   pixel-unshuffle by p = patchSize (C at S -> C p^2 at S/p; p = 1: nothing)
 *   conv_in 3x3 (C p^2 -> w_0); skips = [h]
 *   down.{i}: resBlocks x (res.{j}, attn.{j} if size in attentionResolutions; push h),
 *             then for i &lt; L-1 downsample (3x3 stride-2 conv; push h)
 *   mid: res1, attn, res2
 *   up.{i} for i = L-1 .. 0: (resBlocks + 1) x (res.{j} on concat(h, skips.pop()), attn.{j}),
 *             then for i &gt; 0 upsample (nearest 2x + conv)
 *   norm_out, SiLU, conv_out 3x3 (w_0 -> C p^2), zero-initialised; pixel-shuffle by p back to C at S
 * </pre>
 * The topology (levels, widths, skips, where attention sits) is the config's {@link UnetLayout}.
 * Parameter names are those of scripts/reference/unet_reference.py, which computes the same function.
 * A freshly constructed UNet outputs exactly zero. Call {@code train(false)} for inference (disables
 * dropout).
 */
public final class Unet extends Module implements Backbone {
    private final List<ResBlock> resBlocks = new ArrayList<>(); // in forward order, for their dropout noise
    private final UnetConfig config;
    private final int inChannels;
    private final int latentSize;
    private final int patchSize;
    private final int embedDim;

    private final TimestepEmbedding timeEmbed;
    private final EmbeddingImpl classEmbed;
    private final Conv2dImpl convIn;
    private final ModuleList<Level> down;
    private final MidBlock mid;
    private final ModuleList<Level> up; // up.{i} indexed by level
    private final List<Level> upward;   // the same levels in the order they run: L-1 down to 0
    private final GroupNormImpl normOut;
    private final Conv2dImpl convOut;

    /**
     * @param c          architecture
     * @param inChannels latent channels C (input and output)
     * @param latentSize latent side S; must be divisible by patchSize x 2^(levels - 1)
     */
    public Unet(UnetConfig c, int inChannels, int latentSize) {
        if (inChannels < 1) {
            throw new IllegalArgumentException("UNet input channels must be >= 1, got " + inChannels);
        }
        UnetLayout layout = UnetLayout.of(c, latentSize);
        this.config = c;
        this.inChannels = inChannels;
        this.latentSize = latentSize;
        this.patchSize = layout.patchSize();
        this.embedDim = layout.embedDim();
        int w0 = layout.firstWidth();

        timeEmbed = register_module("time_embed", new TimestepEmbedding(c.channels(), embedDim));
        classEmbed = register_module("class_embed", new EmbeddingImpl(new EmbeddingOptions(c.numClasses() + 1, embedDim)));
        int patchChannels = layout.patchChannels(inChannels);
        convIn = register_module("conv_in", Layers.conv3x3(patchChannels, w0));

        down = register_module("down", new ModuleList<>());
        for (UnetLayout.Level l : layout.down()) {
            Level level = level(c, l);
            if (l.resamples()) {
                level.downsample(l.width());
            }
            down.add(level);
        }

        UnetLayout.Block m = layout.mid();
        mid = register_module("mid", new MidBlock(resBlock(c, m), attention(c, m), resBlock(c, m)));

        Level[] ups = new Level[layout.up().size()]; // built in run order, registered as up.{i} by index
        for (UnetLayout.Level l : layout.up()) {
            Level level = level(c, l);
            if (l.resamples()) {
                level.upsample(l.width());
            }
            ups[l.index()] = level;
        }
        up = register_module("up", new ModuleList<>());
        List<Level> upward = new ArrayList<>();
        for (Level level : ups) {
            upward.add(0, up.add(level));
        }
        this.upward = List.copyOf(upward);

        normOut = register_module("norm_out", Layers.groupNorm(c.groups(), w0));
        convOut = register_module("conv_out", Layers.zeroInit(Layers.conv3x3(w0, patchChannels)));
    }

    private Level level(UnetConfig c, UnetLayout.Level l) {
        Level level = new Level();
        for (UnetLayout.Block b : l.blocks()) {
            level.add(resBlock(c, b), attention(c, b));
        }
        return level;
    }

    private ResBlock resBlock(UnetConfig c, UnetLayout.Block b) {
        ResBlock block = ResBlock.timeConditioned(b.resIn(), b.out(), embedDim, c.groups(), c.dropout());
        resBlocks.add(block);
        return block;
    }

    /** The block's attention, or null where it has none. */
    private static SelfAttention2d attention(UnetConfig c, UnetLayout.Block b) {
        return b.attends() ? SelfAttention2d.zeroProjected(b.out(), c.groups(), b.heads()) : null;
    }

    /**
     * The conditioning vector added in every residual block.
     *
     * @param t (B,) float times in [0, 1]
     * @param y (B,) int64 classes in [0, numClasses]; numClasses is the null (unconditional) class
     * @return (B, E)
     */
    public Tensor embedding(Tensor t, Tensor y) {
        return timeEmbed.forward(t).add(classEmbed.forward(y)); // (B, E)
    }

    /**
     * @param x (B, C, S, S) noisy latents
     * @param t (B,) float times in [0, 1]
     * @param y (B,) int64 classes in [0, numClasses]
     * @return (B, C, S, S) raw network output
     */
    @Override
    public Tensor forward(Tensor x, Tensor t, Tensor y) {
        // Memory: each block runs in its own scope (nn.Level, nn.MidBlock); this pass owns the block outputs
        // and frees each once used: a down-path output when its skip is consumed, an up-path one when the next exists.
        Tensor emb = embedding(t, y);                                  // (B, E)
        Tensor patches = patchSize > 1 ? torch.pixel_unshuffle(x, patchSize) : x; // (B, C p^2, S/p, S/p)
        Tensor h = convIn.forward(patches);                            // (B, w_0, S/p, S/p)
        Deque<Tensor> skips = new ArrayDeque<>(List.of(h));
        for (Level level : down) {
            for (int j = 0; j < level.depth(); j++) {
                skips.push(h = level.block(j, h, emb));                // (B, w_i, s, s)
            }
            if (level.resamples()) {
                skips.push(h = level.resample(h));                     // (B, w_i, s/2, s/2)
            }
        }
        h = mid.forward(h, emb);                                       // (B, w_{L-1}, s, s)
        for (Level level : upward) {
            for (int j = 0; j < level.depth(); j++) {
                Tensor skip = skips.pop();
                h = used(h, level.block(j, h, skip, emb));             // res(cat([h, skip])), attn: (B, w_i, s, s)
                BlockScope.free(skip);
            }
            h = used(h, level.resample(h));                            // (B, w_i, 2s, 2s) but at level 0
        }
        Tensor hh = h;
        Tensor out = BlockScope.call(() -> Layers.normSiluConv(normOut, convOut, hh)); // (B, C p^2, S/p, S/p)
        return patchSize > 1 ? torch.pixel_shuffle(out, patchSize) : out;        // (B, C, S, S)
    }

    /** {@code next}, freeing this pass's own {@code previous} once {@code next} exists (unless it is the same). */
    private static Tensor used(Tensor previous, Tensor next) {
        if (previous != next) {
            BlockScope.free(previous);
        }
        return next;
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public int numClasses() {
        return config.numClasses();
    }

    /** Every residual block's dropout masks come from {@code noise} (one training step's stream). */
    @Override
    public void dropoutNoise(DropoutNoise noise) {
        for (ResBlock b : resBlocks) {
            b.dropoutNoise(noise);
        }
    }

    public UnetConfig config() {
        return config;
    }

    @Override
    public int inChannels() {
        return inChannels;
    }

    @Override
    public int latentSize() {
        return latentSize;
    }

    /** The time embedding alone ({@code time_embed}), without the class embedding. */
    public TimestepEmbedding timeEmbedding() {
        return timeEmbed;
    }

    /** Size E of the time/class embedding (4 * channels). */
    public int embedDim() {
        return embedDim;
    }
}
