package ldm4j.dit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import ldm4j.config.DitSizes;
import ldm4j.config.UnetConfig;
import ldm4j.nn.Backbone;
import ldm4j.nn.DropoutNoise;
import ldm4j.nn.Layers;
import ldm4j.nn.ModuleList;
import ldm4j.nn.StateDict;
import ldm4j.nn.TimestepEmbedding;
import ldm4j.torch.BlockScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.EmbeddingOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Diffusion transformer on latent patches (Peebles &amp; Xie 2023, facebookresearch/DiT models.py), with the
 * v-prediction output of ldm4j (C channels, no learned variance). With patch side p, width D, N blocks and
 * T = (S/p)^2 tokens:
 * <pre>
 *   x_embedder.proj: conv p x p, stride p (C -> D), flattened to (B, T, D); + pos_embed (fixed 2-D sin-cos)
 *   c = t_embedder(t) + y_embedder(y)     t_embedder: 256 sinusoidal features of 1000 t (float64), MLP;
 *                                         y_embedder: a table of numClasses + 1 rows (the last: the null class)
 *   blocks.{0..N-1}: adaLN-Zero blocks    ({@link DitBlock}: multi-head attention, MLP ratio 4, tanh-GELU)
 *   final_layer: adaLN, Linear D -> p^2 C per token; unpatchify to (B, C, S, S)
 * </pre>
 * Parameter names are DiT's ({@code x_embedder.proj.weight}, {@code t_embedder.mlp.0.weight},
 * {@code y_embedder.embedding_table.weight}, {@code blocks.0.adaLN_modulation.1.weight},
 * {@code final_layer.linear.weight}, ...), so a DiT checkpoint's tensors map by name; scripts/reference/
 * dit_reference.py computes the same function. Every initialisation is in {@link #initializeWeights}
 * (DiT's {@code initialize_weights}): a fresh DiT outputs exactly zero. No dropout inside: label dropout is the
 * trainer's (the null class), so {@link #dropoutNoise} has nothing to do.
 */
public final class Dit extends Module implements Backbone {
    /** Sinusoidal time features (DiT's {@code frequency_embedding_size}). */
    public static final int FREQUENCIES = 256;
    /** MLP width over D. */
    public static final int MLP_RATIO = 4;
    static final double LAYER_NORM_EPS = 1e-6;

    private final DitSizes.Size arch;
    private final int numClasses;
    private final int inChannels;
    private final int latentSize;
    private final int grid;

    // the three embedders are plain containers, held here: a registered module whose Java object the garbage
    // collector took fails in native calls (train, to) that reach it
    private final Module xEmbedder;
    private final Module tEmbedder;
    private final Module yEmbedder;
    private final Conv2dImpl patchProj;
    private final Tensor posEmbed;
    private final TimestepEmbedding timeMlp;
    private final EmbeddingImpl labelTable;
    private final ModuleList<DitBlock> blocks;
    private final FinalLayer finalLayer;

    /** The DiT a config names ({@code unet.model.dit}) on latents of C channels and side S. */
    public Dit(UnetConfig c, int inChannels, int latentSize) {
        this(c.dit().arch(), c.dit().qkNorm(), c.numClasses(), inChannels, latentSize);
    }

    /**
     * @param arch       depth, width, heads, patch side
     * @param qkNorm     LayerNorm on queries and keys
     * @param numClasses real classes (the table has one more row: the null class)
     * @param inChannels latent channels C
     * @param latentSize latent side S, a multiple of the patch side
     */
    public Dit(DitSizes.Size arch, boolean qkNorm, int numClasses, int inChannels, int latentSize) {
        int p = arch.patch();
        if (inChannels < 1 || latentSize < p || latentSize % p != 0) {
            throw new ldm4j.LdmException("DiT " + arch.name() + " cuts the latent into " + p + "x" + p + " patches: the latent side "
                    + latentSize + " must be a multiple of " + p + " (and channels " + inChannels + " >= 1)");
        }
        this.arch = arch;
        this.numClasses = numClasses;
        this.inChannels = inChannels;
        this.latentSize = latentSize;
        this.grid = latentSize / p;
        long d = arch.hidden();

        xEmbedder = register_module("x_embedder", new Module());
        patchProj = xEmbedder.register_module("proj", Layers.conv2d(inChannels, d, p, p, 0));
        posEmbed = register_parameter("pos_embed", torch.zeros(1, (long) grid * grid, d), false);
        tEmbedder = register_module("t_embedder", new Module());
        timeMlp = tEmbedder.register_module("mlp", new TimestepEmbedding(FREQUENCIES, (int) d, true));
        yEmbedder = register_module("y_embedder", new Module());
        labelTable = yEmbedder.register_module("embedding_table", new EmbeddingImpl(new EmbeddingOptions(numClasses + 1, d)));
        blocks = register_module("blocks", new ModuleList<>());
        for (int i = 0; i < arch.depth(); i++) {
            blocks.add(new DitBlock(d, arch.heads(), MLP_RATIO * d, qkNorm));
        }
        finalLayer = register_module("final_layer", new FinalLayer(d, p, inChannels));
        initializeWeights();
    }

    /**
     * DiT's {@code initialize_weights}: Xavier-uniform weights and zero biases for every Linear; the fixed
     * sin-cos position embedding; the patch projection Xavier-uniform as a (D, C p^2) matrix, bias zero; the
     * label table and both time-MLP weights N(0, 0.02^2); adaLN-Zero: every block's modulation, and the final
     * layer's modulation and linear, zero.
     */
    public void initializeWeights() {
        try (NoGradGuard g = new NoGradGuard()) {
            for (var e : StateDict.parameters(this).entrySet()) {      // every Linear, by its parameter names
                String name = e.getKey();
                Tensor w = e.getValue();
                if (name.equals("pos_embed") || name.startsWith("y_embedder.") || name.contains(".q_norm.")
                        || name.contains(".k_norm.")) {
                    continue;
                }
                if (name.endsWith(".weight") && w.dim() == 2) {
                    torch.xavier_uniform_(w, 1.0);
                } else if (name.endsWith(".bias")) {
                    w.zero_();
                }
            }
            Tensor pw = patchProj.weight();                         // (D, C, p, p)
            torch.xavier_uniform_(pw.view(pw.size(0), -1), 1.0);
            patchProj.bias().zero_();
            posEmbed.copy_(Tensors.fromFloats(PosEmbed.sinCos2d(arch.hidden(), grid), 1, (long) grid * grid, arch.hidden()));
            torch.normal_(labelTable.weight(), 0.0, 0.02);
            for (var e : StateDict.parameters(timeMlp).entrySet()) {
                if (e.getKey().endsWith("weight")) {
                    torch.normal_(e.getValue(), 0.0, 0.02);
                }
            }
            for (DitBlock b : blocks) {
                b.modulation().zeroInit();
            }
            finalLayer.zeroInit();
        }
    }

    @Override
    public Tensor forward(Tensor x, Tensor t, Tensor y) {
        long b = x.size(0);
        Tensor h = patchProj.forward(x).flatten(2, -1).transpose(1, 2).add(posEmbed); // (B, T, D)
        Tensor c = timeMlp.forward(t).add(labelTable.forward(y));                 // (B, D)
        List<UnaryOperator<Tensor>> body = new ArrayList<>();
        for (DitBlock block : blocks) {
            body.add(v -> block.forward(v, c));                                   // (B, T, D)
        }
        h = BlockScope.sequence(h, body);                                         // each block in its own memory scope
        Tensor out = finalLayer.forward(h, c);                                    // (B, T, p^2 C)
        return unpatchify(out, b);                                                // (B, C, S, S)
    }

    /** (B, T, p^2 C) with features ordered (p, q, C) to (B, C, S, S): DiT's einsum nhwpqc -> nchpwq. */
    private Tensor unpatchify(Tensor x, long b) {
        int p = arch.patch();
        return x.reshape(b, grid, grid, p, p, inChannels).permute(0, 5, 1, 3, 2, 4)  // (B, C, h, p, w, p)
                .reshape(b, inChannels, latentSize, latentSize);                     // (B, C, S, S)
    }

    /** LayerNorm over the last dimension without affine parameters (eps 1e-6): DiT's norm1, norm2, norm_final. */
    static Tensor layerNorm(Tensor x) {
        return torch.layer_norm(x, new long[]{x.size(-1)}, new TensorOptional(), new TensorOptional(), LAYER_NORM_EPS, true);
    }

    @Override
    public void dropoutNoise(DropoutNoise noise) {
        // no dropout inside a DiT
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int inChannels() {
        return inChannels;
    }

    @Override
    public int latentSize() {
        return latentSize;
    }

    public DitSizes.Size arch() {
        return arch;
    }
}
