package ldm4j.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The autoencoder's topology, computed once from {@code vae.model}: every residual block's input and output
 * channels, level by level, for the encoder and for its mirror, the decoder. {@code ldm4j.autoencoder.Encoder}
 * and {@code Decoder} build their modules from it and {@code ldm4j.bench.ModelFlops} counts it, so the three
 * cannot disagree.
 *
 * <p>With widths {@code w_i = channels * multipliers[i]} and L levels (CompVis {@code Encoder}/{@code Decoder}):
 * <pre>
 *   encoder: conv_in (3p^2 -> w_0); down.{i}, i = 0 .. L-1: resBlocks blocks (w -> w_i), then for i &lt; L-1 a
 *            stride-2 downsample; mid at w_{L-1}; conv_out (w_{L-1} -> 2 latentChannels)
 *   decoder: conv_in (latentChannels -> w_{L-1}); mid at w_{L-1}; up.{i}, i = L-1 .. 0: resBlocks blocks
 *            (w -> w_i), then for i &gt; 0 a 2x upsample; conv_out (w_0 -> 3p^2)
 * </pre>
 *
 * @param imageChannels  channels entering the encoder and leaving the decoder, {@code 3 p^2} after pixel-unshuffle
 * @param latentChannels channels of the latent
 * @param down           the encoder's levels, {@code down.0} first
 * @param midWidth       width of the middle blocks, {@code w_{L-1}}
 * @param up             the decoder's levels in the order they run, {@code up.(L-1)} first
 */
public record VaeLayout(int imageChannels, int latentChannels, List<Level> down, int midWidth, List<Level> up) {
    /**
     * A residual block.
     *
     * @param in  input channels
     * @param out output channels
     */
    public record Block(int in, int out) {
    }

    /**
     * One resolution: its residual blocks, then a resampler (encoder: stride-2 conv; decoder: 2x upsample).
     *
     * @param index     the level i (the module names' {@code down.{i}} / {@code up.{i}})
     * @param width     w_i, every block's output channels
     * @param blocks    residual blocks in forward order
     * @param resamples whether the level ends with a down- or upsampler
     */
    public record Level(int index, int width, List<Block> blocks, boolean resamples) {
        public Level {
            blocks = List.copyOf(blocks);
        }
    }

    public VaeLayout {
        down = List.copyOf(down);
        up = List.copyOf(up);
    }

    /** The layout of {@code c}. */
    public static VaeLayout of(AutoencoderConfig c) {
        int levels = c.multipliers().size();
        int[] widths = c.multipliers().stream().mapToInt(m -> m * c.channels()).toArray();
        int ch = widths[0];                                             // conv_in's output
        List<Level> down = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            down.add(level(i, ch, widths[i], c.resBlocks(), i < levels - 1));
            ch = widths[i];
        }
        int mid = ch;
        List<Level> up = new ArrayList<>();
        for (int i = levels - 1; i >= 0; i--) {
            up.add(level(i, ch, widths[i], c.resBlocks(), i > 0));
            ch = widths[i];
        }
        return new VaeLayout(3 * c.patchSize() * c.patchSize(), c.latentChannels(), down, mid, up);
    }

    private static Level level(int index, int in, int width, int resBlocks, boolean resamples) {
        List<Block> blocks = new ArrayList<>();
        for (int j = 0; j < resBlocks; j++) {
            blocks.add(new Block(j == 0 ? in : width, width));
        }
        return new Level(index, width, blocks, resamples);
    }

    /** Width of the encoder's conv_in output and of the decoder's norm_out input, w_0. */
    public int firstWidth() {
        return down.get(0).width();
    }
}
