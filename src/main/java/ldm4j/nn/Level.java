package ldm4j.nn;

import ldm4j.torch.BlockScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One resolution of the LDM encoder, decoder or UNet path (CompVis {@code down[i]} / {@code up[i]}):
 * residual blocks {@code res.{j}}, each followed by {@code attn.{j}} when the level has attention (all
 * or none), then a {@code downsample} (3x3 stride-2 conv) or an {@code upsample} ({@link Upsample}),
 * or neither. Each block runs in its own memory scope, so a forward pass holds only block outputs.
 */
public final class Level extends Module {
    private final ModuleList<ResBlock> res;
    private final ModuleList<SelfAttention2d> attn;
    private Module resampler; // "downsample" or "upsample"; null at the level that keeps the size

    public Level() {
        res = register_module("res", new ModuleList<>());
        attn = register_module("attn", new ModuleList<>());
    }

    /** Appends a residual block and its attention ({@code null}: none; all blocks or none have one). */
    public Level add(ResBlock block, SelfAttention2d attention) {
        if (res.size() > 0 && (attention != null) != (attn.size() > 0)) {
            throw new IllegalArgumentException("a level's blocks have attention all or none");
        }
        res.add(block);
        if (attention != null) {
            attn.add(attention);
        }
        return this;
    }

    /** Ends the level with a 3x3 stride-2 conv ({@code downsample}) halving the size. */
    public void downsample(long channels) {
        resampler = register_module("downsample", Layers.conv2d(channels, channels, 3, 2, 1));
    }

    /** Ends the level with {@code upsample}, doubling the size. */
    public void upsample(long channels) {
        resampler = register_module("upsample", new Upsample(channels));
    }

    /** Number of residual blocks. */
    public int depth() {
        return res.size();
    }

    /** Whether the level ends with a down- or upsampler. */
    public boolean resamples() {
        return resampler != null;
    }

    /** Block j, {@code attn.{j}(res.{j}(x, emb))}: (B, in, s, s) -> (B, w, s, s). {@code x} is left alone. */
    public Tensor block(int j, Tensor x, Tensor emb) {
        return BlockScope.call(() -> {
            Tensor h = res.get(j).forward(x, emb);                   // (B, w, s, s)
            return attn.size() > 0 ? attn.get(j).forward(h) : h;     // (B, w, s, s)
        });
    }

    /**
     * A decoder block with a skip connection, {@code block(j, cat([h, skip], 1), emb)}; {@code h} and
     * {@code skip} are freed once it has run (the concatenation with the block's scope).
     */
    public Tensor block(int j, Tensor h, Tensor skip, Tensor emb) {
        Tensor out = BlockScope.call(() -> block(j, torch.cat(new TensorVector(h, skip), 1), emb)); // (B, w, s, s)
        BlockScope.free(h);
        BlockScope.free(skip);
        return out;
    }

    /** The down- or upsampler on h, or h itself at a level without one. {@code h} is left alone. */
    public Tensor resample(Tensor h) {
        if (resampler instanceof Conv2dImpl down) {
            return down.forward(h);          // (B, w, s/2, s/2)
        }
        return resampler instanceof Upsample up ? up.forward(h) : h; // (B, w, 2s, 2s)
    }

    /** Every block, then the resampler, without skips or embedding (the autoencoder); {@code h} is consumed. */
    public Tensor forward(Tensor h) {
        return forward(h, null);
    }

    /** Every block, then the resampler, without skips; {@code h} is consumed. */
    public Tensor forward(Tensor h, Tensor emb) {
        for (int j = 0; j < depth(); j++) {
            int k = j;
            h = BlockScope.consume(h, v -> block(k, v, emb));
        }
        return BlockScope.consume(h, this::resample);
    }
}
