package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.config.AutoencoderConfig;
import ldm4j.config.DiscriminatorConfig;
import ldm4j.config.VaeLossConfig;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.ResBlock;
import ldm4j.nn.SelfAttention2d;
import ldm4j.nn.StateDict;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden tests against the PyTorch reference (scripts/reference/ldm_reference.py), fixtures written by
 * scripts/fixtures/make_vae_fixtures.py: every output, loss term and two gradients within 1e-4 of
 * max |reference|. {@code f8_256} is the 256-px autoencoder (f = 8, 4x32x32 latents, attention at 32x32,
 * 31x31 patch logits) at reduced widths; its large reference tensors are thinned to every s-th pixel
 * (stride per name in the metadata "thin"), and the Java outputs are thinned the same way before comparing.
 */
class VaeGoldenTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/vae");
    static final ObjectMapper JSON = new ObjectMapper();

    static AutoencoderConfig vaeConfig(JsonNode j) {
        List<Integer> mult = new ArrayList<>();
        j.get("multipliers").forEach(n -> mult.add(n.asInt()));
        return new AutoencoderConfig(j.get("channels").asInt(), mult, j.get("resBlocks").asInt(),
                j.get("latentChannels").asInt(), j.get("midAttention").asBoolean(), j.get("groups").asInt(),
                j.get("patchSize").asInt());
    }

    static VaeLossConfig lossConfig(JsonNode j, String discLoss) {
        return new VaeLossConfig(j.get("l1Weight").asDouble(), j.get("klWeight").asDouble(), j.get("klWarmup").asLong(),
                j.get("advWeight").asDouble(), j.get("fmWeight").asDouble(), j.get("advStart").asLong(),
                j.get("advWarmup").asLong(), discLoss, 0.0);
    }

    /** Checks {@code actual}, first thinned to [..., ::s, ::s] when the fixture stores it thinned by s. */
    static void check(Golden g, JsonNode thin, String name, Tensor actual) {
        JsonNode s = thin.get(name);
        if (s != null) {
            long[] shape = Tensors.shape(actual);
            int r = shape.length;
            actual = actual.slice(r - 2, new LongOptional(0),
                            new LongOptional(shape[r - 2]), s.asLong())
                    .slice(r - 1, new LongOptional(0),
                            new LongOptional(shape[r - 1]), s.asLong());
        }
        g.check(name, actual);
    }

    @ParameterizedTest
    @ValueSource(strings = {"small_attn", "deep_noattn", "patch2", "f8_256"})
    void modelsAndLossesMatchPyTorch(String name) throws Exception {
        Path path = DIR.resolve(name + ".safetensors");
        try (SafetensorsFile f = Safetensors.read(path)) {
            Map<String, String> meta = f.metadata();
            JsonNode thin = JSON.readTree(meta.getOrDefault("thin", "{}"));
            JsonNode d = JSON.readTree(meta.get("disc"));
            JsonNode w = JSON.readTree(meta.get("weights"));
            JsonNode lossJson = JSON.readTree(meta.get("loss"));
            Autoencoder vae = new Autoencoder(vaeConfig(JSON.readTree(meta.get("vae"))));
            PatchDiscriminator disc = new PatchDiscriminator(
                    new DiscriminatorConfig(d.get("channels").asInt(), d.get("layers").asInt(), d.get("groups").asInt()));
            Map<String, HostTensor> all = f.getAll();
            StateDict.load(vae, all, "vae.", path);
            StateDict.load(disc, all, "disc.", path);
            Golden g = new Golden(f);
            try (StepScope step = StepScope.open()) {
                Tensor x = g.tensor("x").to(torch.ScalarType.Float); // (B, 3, H, W); bf16 in f8_256
                String[] tags = {"hinge", "ns"};
                String[] losses = {"hinge", "non-saturating"};
                for (int t = 0; t < 2; t++) {
                    String tag = tags[t];
                    vae.zero_grad(true);
                    disc.zero_grad(true);
                    DiagonalGaussian post = vae.encode(x);
                    Tensor z = post.sampleWith(g.tensor("eps"));
                    Tensor xhat = vae.decode(z);
                    PatchDiscriminator.Output real = disc.forward(x);
                    PatchDiscriminator.Output fake = disc.forward(xhat);
                    if (t == 0) {
                        check(g, thin, "mean", post.mean());
                        check(g, thin, "logvar", post.logvar());
                        check(g, thin, "z", z);
                        g.check("kl", post.kl());
                        check(g, thin, "kl_per_element", post.klPerElement());
                        check(g, thin, "xhat", xhat);
                        check(g, thin, "logits_real", real.logits());
                        for (int k = 0; k < real.features().size(); k++) {
                            check(g, thin, "feat_real." + k, real.features().get(k));
                            check(g, thin, "feat_fake." + k, fake.features().get(k));
                        }
                        assertEquals(d.get("layers").asInt(), real.features().size());
                    }
                    VaeGanLoss loss = new VaeGanLoss(lossConfig(lossJson, losses[t]));
                    VaeGanLoss.GeneratorTerms gt = loss.generator(x, xhat, post, fake, real.features(),
                            w.get("kl").asDouble(), w.get("adv").asDouble(), w.get("fm").asDouble());
                    g.check(tag + ".gen.rec", gt.rec());
                    g.check(tag + ".gen.kl", gt.kl());
                    g.check(tag + ".gen.adv", gt.adv());
                    g.check(tag + ".gen.fm", gt.fm());
                    g.check(tag + ".gen.total", gt.total());
                    gt.total().backward();
                    g.check(tag + ".grad.vae.decoder.conv_out.weight",
                            StateDict.tensors(vae).get("decoder.conv_out.weight").grad());

                    disc.zero_grad(true);
                    Tensor logitsFake = disc.forward(xhat.detach()).logits();
                    if (t == 0) {
                        check(g, thin, "logits_fake", logitsFake);
                    }
                    VaeGanLoss.DiscTerms dt = loss.discriminator(disc.forward(x).logits(), logitsFake);
                    g.check(tag + ".disc.loss", dt.loss());
                    g.check(tag + ".disc.real", dt.meanLogitReal());
                    g.check(tag + ".disc.fake", dt.meanLogitFake());
                    assertEquals(f.get(tag + ".disc.accuracy").toFloats()[0], dt.accuracy(), 1e-6);
                    dt.loss().backward();
                    g.check(tag + ".grad.disc.out.weight", StateDict.tensors(disc).get("out.weight").grad());
                }
            }
            System.out.printf("VAE golden %s: vae %d params, disc %d params; worst relative error %s%n", name,
                    StateDict.parameterCount(vae), StateDict.parameterCount(disc), g.worst());
        }
    }

    @Test
    void attentionWithTwoHeadsAndResBlockWithSkipMatchPyTorch() throws Exception {
        Path path = DIR.resolve("blocks.safetensors");
        try (SafetensorsFile f = Safetensors.read(path)) {
            SelfAttention2d attn = new SelfAttention2d(8, 4, 2);
            ResBlock res = new ResBlock(8, 12, 4, 0.0);
            StateDict.load(attn, f.getAll(), "attn.", path);
            StateDict.load(res, f.getAll(), "res.", path);
            assertTrue(StateDict.tensors(res).containsKey("skip.weight"));
            Golden g = new Golden(f);
            try (StepScope step = StepScope.open()) {
                g.check("attn_out", attn.forward(g.tensor("x")));
                g.check("res_out", res.forward(g.tensor("x")));
            }
            System.out.println("blocks golden: worst relative error " + g.worst());
        }
    }

    @Test
    void wrongArchitectureIsRefusedNamingATensor() throws Exception {
        Path path = DIR.resolve("small_attn.safetensors");
        try (SafetensorsFile f = Safetensors.read(path)) {
            Map<String, HostTensor> all = f.getAll();
            // no mid attention: the checkpoint has tensors the model lacks
            Autoencoder noAttn = new Autoencoder(new AutoencoderConfig(8, List.of(1, 2), 1, 4, false, 4, 1));
            FormatException names = assertThrows(FormatException.class, () -> StateDict.load(noAttn, all, "vae.", path));
            assertTrue(names.getMessage().contains("encoder.mid.attn.qkv.weight"), names.getMessage());
            // wider first level: same names, different shapes
            Autoencoder wider = new Autoencoder(new AutoencoderConfig(12, List.of(1, 2), 1, 4, true, 4, 1));
            FormatException shapes = assertThrows(FormatException.class, () -> StateDict.load(wider, all, "vae.", path));
            assertTrue(shapes.getMessage().contains("vae.encoder.conv_in.weight is [8, 3, 3, 3] but the model has [12, 3, 3, 3]"),
                    shapes.getMessage());
            PatchDiscriminator deeper = new PatchDiscriminator(new DiscriminatorConfig(8, 4, 4));
            FormatException disc = assertThrows(FormatException.class, () -> StateDict.load(deeper, all, "disc.", path));
            assertTrue(disc.getMessage().contains("blocks.3.conv.weight"), disc.getMessage());
        }
    }
}
