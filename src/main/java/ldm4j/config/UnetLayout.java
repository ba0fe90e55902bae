package ldm4j.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The UNet's topology on a given latent, computed once from {@code unet.model}: the levels with their
 * feature-map sides and widths, every residual block's input, skip and output channels, where attention
 * sits and with how many heads. {@code ldm4j.unet.Unet} builds its modules from it, the config checks
 * validate it and {@code ldm4j.bench.ModelFlops} counts it, so the three cannot disagree.
 *
 * <p>With widths {@code w_i = channels * multipliers[i]} and L levels (ADM / LDM):
 * <pre>
 *   pixel-unshuffle by p (C at side S -> C p^2 at side S/p; nothing for p = 1)
 *   conv_in (C p^2 -> w_0) at side S/p; skips = [w_0]
 *   down.{i}: resBlocks blocks (w -> w_i, attention if the side is in attentionResolutions; push w_i),
 *             then for i &lt; L-1 a stride-2 downsample (push w_i); the side halves
 *   mid: res (w_{L-1}), attention (always), res
 *   up.{i}, i = L-1 .. 0: resBlocks + 1 blocks (w + skips.pop() -> w_i, attention as on the way down),
 *             then for i &gt; 0 a 2x upsample; the side doubles
 *   conv_out (w_0 -> C p^2) at side S/p, pixel-shuffle back to C at side S
 * </pre>
 *
 * @param latentSize the latent side S
 * @param patchSize  the pixel-unshuffle factor p ({@code unet.model.patchSize})
 * @param embedDim   size E of the time/class embedding (4 channels)
 * @param down       the encoder path's levels, {@code down.0} first
 * @param mid        the middle block's residual blocks (both alike) and its attention
 * @param up         the decoder path's levels in the order they run, {@code up.(L-1)} first
 */
public record UnetLayout(int latentSize, int patchSize, int embedDim, List<Level> down, Block mid, List<Level> up) {
    /**
     * A residual block, then its attention when {@code heads > 0}.
     *
     * @param in    channels of the running feature map
     * @param skip  channels of the skip concatenated to it (0 on the way down and in the middle)
     * @param out   output channels
     * @param size  feature-map side the block runs at
     * @param heads attention heads after the block (0: none)
     */
    public record Block(int in, int skip, int out, int size, int heads) {
        /** The residual block's input channels, {@code in + skip}. */
        public int resIn() {
            return in + skip;
        }

        public boolean attends() {
            return heads > 0;
        }
    }

    /**
     * One resolution: its blocks, then a resampler (down: stride-2 conv halving the side; up: 2x upsample).
     *
     * @param index     the level i (the module names' {@code down.{i}} / {@code up.{i}})
     * @param size      the side its blocks run at
     * @param width     w_i, every block's output channels
     * @param blocks    residual blocks in forward order
     * @param resamples whether the level ends with a down- or upsampler
     */
    public record Level(int index, int size, int width, List<Block> blocks, boolean resamples) {
        public Level {
            blocks = List.copyOf(blocks);
        }
    }

    public UnetLayout {
        down = List.copyOf(down);
        up = List.copyOf(up);
    }

    /** How much the UNet shrinks the latent, {@code p 2^(levels - 1)}: the latent side must be a multiple. */
    public static int downsampleFactor(UnetConfig c) {
        return c.patchSize() << (c.multipliers().size() - 1);
    }

    /**
     * The layout of {@code c} on a {@code latentSize} latent.
     *
     * @throws ConfigException if the side is not a multiple of {@link #downsampleFactor}, or
     *                         {@code headChannels} does not divide a width that gets attention
     */
    public static UnetLayout of(UnetConfig c, int latentSize) {
        int levels = c.multipliers().size();
        int factor = downsampleFactor(c);
        if (latentSize < 1 || latentSize % factor != 0) {
            throw new ConfigException("latent size " + latentSize + " is not divisible by " + factor
                    + " (unet.model.patchSize " + c.patchSize() + " x 2^" + (levels - 1) + ": unet.model.multipliers has "
                    + levels + " levels, each but the last halves the size); use fewer multipliers, a smaller "
                    + "unet.model.patchSize or a latent size that is a multiple of " + factor);
        }
        int[] widths = c.multipliers().stream().mapToInt(m -> m * c.channels()).toArray();
        Deque<Integer> skips = new ArrayDeque<>();
        skips.push(widths[0]);                                          // conv_in's output
        int ch = widths[0];
        int size = latentSize / c.patchSize();                          // after the pixel-unshuffle
        List<Level> down = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            List<Block> blocks = new ArrayList<>();
            for (int j = 0; j < c.resBlocks(); j++) {
                blocks.add(new Block(ch, 0, widths[i], size, heads(c, i, widths[i], size, false)));
                ch = widths[i];
                skips.push(ch);
            }
            boolean resamples = i < levels - 1;
            down.add(new Level(i, size, widths[i], blocks, resamples));
            if (resamples) {
                skips.push(ch);
                size /= 2;
            }
        }
        Block mid = new Block(ch, 0, ch, size, heads(c, levels - 1, ch, size, true));
        List<Level> up = new ArrayList<>();
        for (int i = levels - 1; i >= 0; i--) {
            List<Block> blocks = new ArrayList<>();
            for (int j = 0; j <= c.resBlocks(); j++) {
                blocks.add(new Block(ch, skips.pop(), widths[i], size, heads(c, i, widths[i], size, false)));
                ch = widths[i];
            }
            boolean resamples = i > 0;
            up.add(new Level(i, size, widths[i], blocks, resamples));
            if (resamples) {
                size *= 2;
            }
        }
        return new UnetLayout(latentSize, c.patchSize(), 4 * c.channels(), down, mid, up);
    }

    /** Channels of conv_in's input and conv_out's output for a latent of {@code channels}: C p^2. */
    public int patchChannels(int channels) {
        return channels * patchSize * patchSize;
    }

    /** Side of the feature maps conv_in and conv_out run at, S/p. */
    public int patchedSize() {
        return latentSize / patchSize;
    }

    /** Width of conv_in's output and norm_out's input, w_0. */
    public int firstWidth() {
        return down.get(0).width();
    }

    /** The feature-map sides of the levels, largest first. */
    public List<Integer> sizes() {
        return down.stream().map(Level::size).toList();
    }

    /** Attention heads after a block of {@code width} at level {@code i}, side {@code size} (0: none). */
    private static int heads(UnetConfig c, int i, int width, int size, boolean middle) {
        if (!middle && !c.attentionResolutions().contains(size)) {
            return 0;
        }
        if (width % c.headChannels() != 0) {
            throw new ConfigException("unet.model.headChannels = " + c.headChannels() + " does not divide the width "
                    + width + " (unet.model.channels " + c.channels() + " x " + c.multipliers().get(i)
                    + ") of a level with attention" + (middle ? " (the middle block)" : "")
                    + ": choose unet.model.headChannels dividing " + width);
        }
        return width / c.headChannels();
    }
}
