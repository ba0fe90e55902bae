package ldm4j.bench;

import ldm4j.config.AutoencoderConfig;
import ldm4j.config.DiscriminatorConfig;
import ldm4j.config.DitSizes;
import ldm4j.config.UnetConfig;
import ldm4j.config.UnetLayout;
import ldm4j.config.VaeLayout;
import ldm4j.dit.Dit;

/**
 * One pass through each network of ldm4j, layer by layer as its forward runs (ldm4j.autoencoder,
 * ldm4j.unet, ldm4j.nn), added to a {@link FlopCounter}. Feature maps are square; sizes are sides.
 */
public final class ModelFlops {
    private ModelFlops() {
    }

    /**
     * {@link ldm4j.autoencoder.Encoder}: (batch, 3, size, size) images to the (batch, 2 latent, s, s) posterior.
     *
     * @param inputGrad whether the images need a gradient (never in ldm4j: they are data)
     * @return the latent side
     */
    public static int encoder(FlopCounter f, AutoencoderConfig c, long batch, int size, boolean inputGrad) {
        VaeLayout layout = VaeLayout.of(c);
        int s = size / c.patchSize();                                        // pixel-unshuffle: no FLOPs
        f.conv(batch, layout.imageChannels(), layout.firstWidth(), 3, 1, 1, s, inputGrad); // conv_in
        for (VaeLayout.Level l : layout.down()) {
            for (VaeLayout.Block b : l.blocks()) {
                resBlock(f, batch, b.in(), b.out(), s, 0);
            }
            if (l.resamples()) {
                s = f.conv(batch, l.width(), l.width(), 3, 2, 1, s, true);   // downsample
            }
        }
        mid(f, batch, layout.midWidth(), s, c.midAttention() ? 1 : 0, 0);
        f.conv(batch, layout.midWidth(), 2L * layout.latentChannels(), 3, 1, 1, s, true); // conv_out
        return s;
    }

    /** {@link ldm4j.autoencoder.Decoder}: (batch, latent, s, s) to images; returns the image side. */
    public static int decoder(FlopCounter f, AutoencoderConfig c, long batch, int latentSize) {
        VaeLayout layout = VaeLayout.of(c);
        int s = latentSize;
        // conv_in (z is sampled from the encoder's output)
        f.conv(batch, layout.latentChannels(), layout.midWidth(), 3, 1, 1, s, true);
        mid(f, batch, layout.midWidth(), s, c.midAttention() ? 1 : 0, 0);
        for (VaeLayout.Level l : layout.up()) {
            for (VaeLayout.Block b : l.blocks()) {
                resBlock(f, batch, b.in(), b.out(), s, 0);
            }
            if (l.resamples()) {
                s *= 2;                                                      // nearest 2x, then a 3x3 conv
                f.conv(batch, l.width(), l.width(), 3, 1, 1, s, true);
            }
        }
        f.conv(batch, layout.firstWidth(), layout.imageChannels(), 3, 1, 1, s, true); // conv_out, then pixel-shuffle
        return s * c.patchSize();
    }

    /** {@link ldm4j.autoencoder.PatchDiscriminator} on (batch, 3, size, size); returns the logits' side. */
    public static int discriminator(FlopCounter f, DiscriminatorConfig c, long batch, int size, boolean inputGrad) {
        long cur = 3;
        int s = size;
        for (int k = 0; k < c.layers(); k++) {
            long width = (long) c.channels() * Math.min(1L << k, 8L);
            s = f.conv(batch, cur, width, 4, 2, 1, s, k > 0 || inputGrad);   // blocks.k.conv
            cur = width;
        }
        return f.conv(batch, cur, 1, 4, 1, 1, s, true);                     // out
    }

    /** The backbone {@code c.type} names, on (batch, channels, size, size) latents, times and classes. */
    public static void backbone(FlopCounter f, UnetConfig c, int channels, int latentSize, long batch) {
        switch (c.backbone()) {
            case UNET -> unet(f, c, channels, latentSize, batch);
            case DIT -> dit(f, c.dit().arch(), channels, latentSize, batch);
        }
    }

    /**
     * {@link ldm4j.dit.Dit}: the patch embedding (a p x p conv of stride p on the latents), the time MLP on 256
     * sinusoidal features, per block the adaLN modulation (D -> 6D on the conditioning), qkv, attention over
     * T = (S/p)^2 tokens, proj and the MLP (D -> 4D -> D) on every token, then the final adaLN (D -> 2D) and
     * linear (D -> p^2 C). The label table is a lookup; norms and modulation are elementwise.
     */
    public static void dit(FlopCounter f, DitSizes.Size a, int channels, int latentSize, long batch) {
        long d = a.hidden();
        int grid = f.conv(batch, channels, d, a.patch(), a.patch(), 0, latentSize, false); // x_embedder.proj
        long tokens = batch * grid * grid;
        f.linear(batch, Dit.FREQUENCIES, d, false);              // t_embedder.mlp.0 on sinusoidal features
        f.linear(batch, d, d, true);                                         // t_embedder.mlp.2
        for (int i = 0; i < a.depth(); i++) {
            f.linear(batch, d, 6 * d, true);                                 // adaLN_modulation.1
            f.linear(tokens, d, 3 * d, true);                                // attn.qkv
            f.attention(batch, a.heads(), (long) grid * grid, d / a.heads());
            f.linear(tokens, d, d, true);                                    // attn.proj
            f.linear(tokens, d, Dit.MLP_RATIO * d, true);          // mlp.fc1
            f.linear(tokens, Dit.MLP_RATIO * d, d, true);          // mlp.fc2
        }
        f.linear(batch, d, 2 * d, true);                                     // final_layer.adaLN_modulation.1
        f.linear(tokens, d, (long) a.patch() * a.patch() * channels, true);  // final_layer.linear
    }

    /** {@link ldm4j.unet.Unet} on (batch, channels, size, size) latents, times and classes: its {@link UnetLayout}. */
    public static void unet(FlopCounter f, UnetConfig c, int channels, int latentSize, long batch) {
        UnetLayout layout = UnetLayout.of(c, latentSize);
        long emb = layout.embedDim();
        f.linear(batch, c.channels(), emb, false);                           // time_embed.0 on sinusoidal features
        f.linear(batch, emb, emb, true);                                     // time_embed.2; class_embed: a lookup
        int cp = layout.patchChannels(channels);                             // pixel-unshuffle: no FLOPs
        f.conv(batch, cp, layout.firstWidth(), 3, 1, 1, layout.patchedSize(), false); // conv_in on the noisy latents
        for (UnetLayout.Level level : layout.down()) {
            unetBlocks(f, level, batch, emb);
            if (level.resamples()) {
                f.conv(batch, level.width(), level.width(), 3, 2, 1, level.size(), true); // downsample
            }
        }
        UnetLayout.Block m = layout.mid();
        mid(f, batch, m.out(), m.size(), m.heads(), emb);
        for (UnetLayout.Level level : layout.up()) {
            unetBlocks(f, level, batch, emb);
            if (level.resamples()) {
                f.conv(batch, level.width(), level.width(), 3, 1, 1, 2 * level.size(), true); // upsample: nearest 2x, conv
            }
        }
        f.conv(batch, layout.firstWidth(), cp, 3, 1, 1, layout.patchedSize(), true); // conv_out; pixel-shuffle: none
    }

    /** A UNet level's residual blocks (on cat([h, skip]) on the way up) and their attention. */
    private static void unetBlocks(FlopCounter f, UnetLayout.Level level, long batch, long emb) {
        for (UnetLayout.Block b : level.blocks()) {
            resBlock(f, batch, b.resIn(), b.out(), b.size(), emb);
            if (b.attends()) {
                attention(f, batch, b.out(), b.size(), b.heads());
            }
        }
    }

    /** {@link ldm4j.nn.MidBlock}: res1, attention with {@code heads} heads (0: none), res2. */
    private static void mid(FlopCounter f, long batch, long ch, int s, long heads, long emb) {
        resBlock(f, batch, ch, ch, s, emb);
        if (heads > 0) {
            attention(f, batch, ch, s, heads);
        }
        resBlock(f, batch, ch, ch, s, emb);
    }

    /** {@link ldm4j.nn.ResBlock}: two 3x3 convs, the 1x1 skip when the width changes, emb_proj when emb > 0. */
    private static void resBlock(FlopCounter f, long batch, long in, long out, int s, long emb) {
        f.conv(batch, in, out, 3, 1, 1, s, true);
        if (emb > 0) {
            f.linear(batch, emb, out, true);
        }
        f.conv(batch, out, out, 3, 1, 1, s, true);
        if (in != out) {
            f.conv(batch, in, out, 1, 1, 0, s, true);
        }
    }

    /** {@link ldm4j.nn.SelfAttention2d}: qkv (1x1, C -> 3C), attention over s^2 tokens, proj (1x1, C -> C). */
    private static void attention(FlopCounter f, long batch, long ch, int s, long heads) {
        f.conv(batch, ch, 3 * ch, 1, 1, 0, s, true);
        f.attention(batch, heads, (long) s * s, ch / heads);
        f.conv(batch, ch, ch, 1, 1, 0, s, true);
    }
}
