package ldm4j.nn;

import ldm4j.torch.BlockScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One resolution of the LDM encoder, decoder or UNet path (CompVis {@code down[i]} / {@code up[i]}):
 * residual blocks {@code res.{j}}, each followed by {@code attn.{j}} when the level has attention (all
 * or none), then a {@code downsample} (3x3 stride-2 conv) or an {@code upsample} ({@link Upsample}),
 * or neither. The level holds the memory scopes ({@link BlockScope}): each block runs in its own, so a
 * forward pass holds only block outputs, and no method frees a tensor it was given.
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

    /**
     * Block j, {@code attn.{j}(res.{j}(x, emb))}: (B, in, s, s) -> (B, w, s, s), each in its own memory
     * scope. {@code x} is left alone.
     */
    public Tensor block(int j, Tensor x, Tensor emb) {
        UnaryOperator<Tensor> residual = h -> BlockScope.sequence(h, res.get(j).stages(h, emb)); // (B, w, s, s)
        return attn.size() > 0 ? BlockScope.sequence(x, residual, attn.get(j)::forward) // (B, w, s, s)
                : BlockScope.sequence(x, residual);
    }

    /**
     * A decoder block with a skip connection, {@code block(j, cat([h, skip], 1), emb)}, the concatenation
     * in the block's scope. {@code h} and {@code skip} are left alone: the caller frees them.
     */
    public Tensor block(int j, Tensor h, Tensor skip, Tensor emb) {
        return BlockScope.call(() -> block(j, torch.cat(new TensorVector(h, skip), 1), emb)); // (B, w, s, s)
    }

    /**
     * The down- or upsampler on h in its own memory scope, or h itself at a level without one. {@code h}
     * is left alone.
     */
    public Tensor resample(Tensor h) {
        return BlockScope.call(() -> resampleBlock(h));
    }

    private Tensor resampleBlock(Tensor h) {
        if (resampler instanceof Conv2dImpl down) {
            return down.forward(h);          // (B, w, s/2, s/2)
        }
        return resampler instanceof Upsample up ? up.forward(h) : h; // (B, w, 2s, 2s)
    }

    /** Every block, then the resampler, without skips or embedding (the autoencoder); {@code h} is left alone. */
    public Tensor forward(Tensor h) {
        return forward(h, null);
    }

    /**
     * Every block, then the resampler, without skips; each block's output is freed once the next exists.
     * {@code h} is left alone.
     */
    public Tensor forward(Tensor h, Tensor emb) {
        return BlockScope.sequence(h, blocks(emb));
    }

    /** The level as a list of blocks: each {@link #block}, then the resampler. */
    private List<UnaryOperator<Tensor>> blocks(Tensor emb) {
        List<UnaryOperator<Tensor>> blocks = new ArrayList<>();
        for (int j = 0; j < depth(); j++) {
            int k = j;
            blocks.add(x -> block(k, x, emb));                           // (B, w, s, s)
        }
        blocks.add(this::resample);                                      // (B, w, s/2 or 2s or s, ...)
        return blocks;
    }
}
