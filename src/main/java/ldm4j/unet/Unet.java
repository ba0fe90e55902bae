package ldm4j.unet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import ldm4j.config.UnetConfig;
import ldm4j.nn.Layers;
import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.EmbeddingOptions;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
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
 *   conv_in 3x3 (C -> w_0); skips = [h]
 *   down.{i}: resBlocks x (res.{j}, attn.{j} if size in attentionResolutions; push h),
 *             then for i &lt; L-1 downsample (3x3 stride-2 conv; push h)
 *   mid: res1, attn, res2
 *   up.{i} for i = L-1 .. 0: (resBlocks + 1) x (res.{j} on concat(h, skips.pop()), attn.{j}),
 *             then for i &gt; 0 upsample (nearest 2x + conv)
 *   norm_out, SiLU, conv_out 3x3 (w_0 -> C), zero-initialised
 * </pre>
 * Parameter names are those of scripts/reference/unet_reference.py, which computes the same function.
 * A freshly constructed UNet outputs exactly zero. Call {@code train(false)} for inference (disables
 * dropout).
 */
public final class Unet extends Module {
    private final UnetConfig config;
    private final int inChannels;
    private final int latentSize;
    private final int embedDim;

    private final TimestepEmbedding timeEmbed;
    private final EmbeddingImpl classEmbed;
    private final Conv2dImpl convIn;
    private final List<Level> down = new ArrayList<>();
    private final Middle mid;
    private final List<Level> up; // indexed by level, run from L-1 down to 0
    private final GroupNormImpl normOut;
    private final Conv2dImpl convOut;
    // Java-side containers must stay reachable: libtorch calls back into them (train(), zero_grad()),
    // and a collected Java half makes those calls fail with a NullPointerException (see nn.Container).
    private final IndexedModules<Level> downModules;
    private final IndexedModules<Level> upModules;

    /**
     * @param c          architecture
     * @param inChannels latent channels C (input and output)
     * @param latentSize latent side S; must be divisible by 2^(levels - 1)
     */
    public Unet(UnetConfig c, int inChannels, int latentSize) {
        int levels = c.multipliers().size();
        if (inChannels < 1) {
            throw new IllegalArgumentException("UNet input channels must be >= 1, got " + inChannels);
        }
        if (latentSize < 1 || latentSize % (1 << (levels - 1)) != 0) {
            throw new ldm4j.LdmException("latent size " + latentSize + " is not divisible by 2^" + (levels - 1)
                    + " (unet.model.multipliers has " + levels + " levels, each but the last halves the size); "
                    + "use fewer multipliers or a latent size that is a multiple of " + (1 << (levels - 1)));
        }
        this.config = c;
        this.inChannels = inChannels;
        this.latentSize = latentSize;
        this.embedDim = 4 * c.channels();
        int[] widths = c.multipliers().stream().mapToInt(m -> m * c.channels()).toArray();

        timeEmbed = register_module("time_embed", new TimestepEmbedding(c.channels(), embedDim));
        classEmbed = register_module("class_embed", new EmbeddingImpl(new EmbeddingOptions(c.numClasses() + 1, embedDim)));
        convIn = register_module("conv_in", Layers.conv3x3(inChannels, widths[0]));

        Deque<Integer> skips = new ArrayDeque<>();
        skips.push(widths[0]);
        int ch = widths[0];
        int size = latentSize;
        IndexedModules<Level> downList = new IndexedModules<>();
        for (int i = 0; i < levels; i++) {
            Level level = new Level();
            for (int j = 0; j < c.resBlocks(); j++) {
                level.res.add(new TimestepResBlock(ch, widths[i], embedDim, c.groups(), c.dropout()));
                ch = widths[i];
                if (c.attentionResolutions().contains(size)) {
                    level.attn.add(attention(c, ch));
                }
                skips.push(ch);
            }
            if (i < levels - 1) {
                level.resample = level.register_module("downsample", Layers.conv2d(ch, ch, 3, 2, 1));
                size /= 2;
                skips.push(ch);
            }
            down.add(downList.add(level));
        }
        downModules = register_module("down", downList);

        mid = register_module("mid", new Middle(
                new TimestepResBlock(ch, ch, embedDim, c.groups(), c.dropout()),
                attention(c, ch),
                new TimestepResBlock(ch, ch, embedDim, c.groups(), c.dropout())));

        Level[] ups = new Level[levels];
        for (int i = levels - 1; i >= 0; i--) {
            Level level = new Level();
            for (int j = 0; j <= c.resBlocks(); j++) {
                level.res.add(new TimestepResBlock(ch + skips.pop(), widths[i], embedDim, c.groups(), c.dropout()));
                ch = widths[i];
                if (c.attentionResolutions().contains(size)) {
                    level.attn.add(attention(c, ch));
                }
            }
            if (i > 0) {
                level.upsample = level.register_module("upsample", new Upsample(ch));
                size *= 2;
            }
            ups[i] = level;
        }
        IndexedModules<Level> upList = new IndexedModules<>();
        for (Level level : ups) {
            upList.add(level);
        }
        up = List.of(ups);
        upModules = register_module("up", upList);

        normOut = register_module("norm_out", Layers.groupNorm(c.groups(), widths[0]));
        convOut = register_module("conv_out", TimestepResBlock.zeroInit(Layers.conv3x3(widths[0], inChannels)));
    }

    private static UnetAttention attention(UnetConfig c, int ch) {
        if (ch % c.headChannels() != 0) {
            throw new ldm4j.LdmException("unet.model.headChannels = " + c.headChannels()
                    + " does not divide the attention width " + ch + "; choose a divisor of every level width that "
                    + "gets attention (including the middle block)");
        }
        return new UnetAttention(ch, ch / c.headChannels(), c.groups());
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
    public Tensor forward(Tensor x, Tensor t, Tensor y) {
        // Memory: every block runs in its own scope (BlockScope); a block output is freed once its
        // consumer has run, as in PyTorch: a down-path output lives until its skip connection is used.
        Tensor emb = embedding(t, y); // (B, E)
        Tensor h = convIn.forward(x); // (B, w_0, S, S)
        Deque<Tensor> skips = new ArrayDeque<>();
        skips.push(h);
        for (Level level : down) {
            for (int j = 0; j < level.res.size(); j++) {
                Tensor in = h;
                int k = j;
                h = BlockScope.call(() -> level.stage(k, level.res.get(k).forward(in, emb))); // (B, w_i, s, s)
                skips.push(h);
            }
            if (level.resample != null) {
                h = level.resample.forward(h); // (B, w_i, s/2, s/2)
                skips.push(h);
            }
        }
        Tensor bottom = h;
        h = BlockScope.call(() -> mid.res2.forward(mid.attn.forward(mid.res1.forward(bottom, emb)), emb)); // (B, w_{L-1}, s, s)
        for (int i = up.size() - 1; i >= 0; i--) {
            Level level = up.get(i);
            for (int j = 0; j < level.res.size(); j++) {
                Tensor in = h;
                Tensor skip = skips.pop();
                int k = j;
                h = BlockScope.call(() -> level.stage(k, level.res.get(k).forward(   // the concatenation is freed with the block
                        torch.cat(new TensorVector(in, skip), 1), emb)));             // (B, ch + skip ch, s, s) -> (B, w_i, s, s)
                BlockScope.free(in);
                BlockScope.free(skip);
            }
            if (level.upsample != null) {
                h = BlockScope.consume(h, level.upsample::forward); // (B, w_i, 2s, 2s)
            }
        }
        Tensor top = h;
        return BlockScope.call(() -> convOut.forward(Layers.normSilu(normOut, top))); // (B, C, S, S)
    }

    public UnetConfig config() {
        return config;
    }

    public int inChannels() {
        return inChannels;
    }

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

    /** One resolution: {@code res.{j}}, {@code attn.{j}} (all or none) and a down- or upsampler. */
    private static final class Level extends Module {
        final IndexedModules<TimestepResBlock> res;
        final IndexedModules<UnetAttention> attn;
        Conv2dImpl resample; // encoder: "downsample", a bare stride-2 conv
        Upsample upsample; // decoder: "upsample"

        Level() {
            res = register_module("res", new IndexedModules<>());
            attn = register_module("attn", new IndexedModules<>());
        }

        /** The attention after residual block {@code j}, if this level has attention. */
        Tensor stage(int j, Tensor h) {
            return attn.size() > 0 ? attn.get(j).forward(h) : h; // (B, w_i, s, s)
        }
    }

    private static final class Middle extends Module {
        final TimestepResBlock res1;
        final UnetAttention attn;
        final TimestepResBlock res2;

        Middle(TimestepResBlock res1, UnetAttention attn, TimestepResBlock res2) {
            this.res1 = register_module("res1", res1);
            this.attn = register_module("attn", attn);
            this.res2 = register_module("res2", res2);
        }
    }
}
