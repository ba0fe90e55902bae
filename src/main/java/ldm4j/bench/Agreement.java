package ldm4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.autoencoder.Autoencoder;
import ldm4j.autoencoder.DiagonalGaussian;
import ldm4j.autoencoder.PatchDiscriminator;
import ldm4j.autoencoder.VaeGanLoss;
import ldm4j.config.Config;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.VDenoiser;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.nn.StateDict;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.nn.Backbone;
import ldm4j.unet.Backbones;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Numerical agreement with PyTorch at the preset's sizes, on one batch: Java runs the VAE-GAN and UNet
 * training computations (forward, every loss term, backward) from a fixed seed and writes weights,
 * inputs and its results to safetensors; {@code bench/python/agree.py} loads the same weights into the
 * reference models, recomputes, and prints the max relative error of outputs, losses and gradient norms.
 */
public final class Agreement {
    private Agreement() {
    }

    /** Writes {@code dir/agree-vae.safetensors} for a batch of {@code b} images. */
    public static Path vae(Config cfg, int b, Path dir) {
        torch.manual_seed(cfg.seed());
        Autoencoder vae = new Autoencoder(cfg.vae().model());
        PatchDiscriminator disc = new PatchDiscriminator(cfg.vae().disc());
        int r = cfg.data().resolution();
        Map<String, HostTensor> out = new LinkedHashMap<>(StateDict.toHost(vae, "vae."));
        out.putAll(StateDict.toHost(disc, "disc."));
        try (StepScope scope = StepScope.open()) {
            Tensor x = torch.rand(b, 3, r, r).mul(new Scalar(2)).sub(new Scalar(1));   // (B, 3, R, R)
            DiagonalGaussian post = vae.encode(x);
            Tensor eps = torch.randn_like(post.mean());
            Tensor xhat = vae.decode(post.sampleWith(eps));                           // (B, 3, R, R)
            PatchDiscriminator.Output real = disc.forward(x);
            PatchDiscriminator.Output fake = disc.forward(xhat);
            var l = cfg.vae().loss();
            VaeGanLoss loss = new VaeGanLoss(l);
            VaeGanLoss.GeneratorTerms g = loss.generator(x, xhat, post, fake, real.features(), l.klWeight(), l.advWeight(),
                    l.fmWeight());
            g.total().backward();
            double vaeNorm = gradNorm(vae);
            disc.zero_grad(true);
            VaeGanLoss.DiscTerms d = loss.discriminator(disc.forward(x).logits(), disc.forward(xhat.detach()).logits());
            d.loss().backward();
            put(out, "x", x);
            put(out, "eps", eps);
            put(out, "out.mean", post.mean());
            put(out, "out.logvar", post.logvar());
            put(out, "out.xhat", xhat);
            put(out, "out.logits_fake", fake.logits());
            put(out, "loss.rec", g.rec());
            put(out, "loss.kl", g.kl());
            put(out, "loss.adv", g.adv());
            put(out, "loss.fm", g.fm());
            put(out, "loss.total", g.total());
            put(out, "loss.disc", d.loss());
            out.put("grad_norm.vae", HostTensor.ofFloats(new float[]{(float) vaeNorm}));
            out.put("grad_norm.disc", HostTensor.ofFloats(new float[]{(float) gradNorm(disc)}));
        }
        return write(dir.resolve("agree-vae.safetensors"), out, cfg);
    }

    /** Writes {@code dir/agree-unet.safetensors} for a batch of {@code b} latents. */
    public static Path unet(Config cfg, int b, Path dir) {
        int c = cfg.vae().model().latentChannels();
        int s = cfg.data().resolution() / cfg.vae().model().downsampleFactor();
        torch.manual_seed(cfg.seed());
        Backbone unet = Backbones.create(cfg.unet().model(), c, s);
        unet.module().train(false); // dropout off: the same function on both sides
        try (NoGradGuard g = new NoGradGuard()) {
            // the output layer starts at zero (v = 0 everywhere): perturb every weight so the comparison means something
            for (Tensor p : StateDict.parameters(unet.module()).values()) {
                if (p.requires_grad()) {
                    p.add_(torch.randn_like(p).mul(new Scalar(0.02)));
                }
            }
        }
        Map<String, HostTensor> out = new LinkedHashMap<>(StateDict.toHost(unet.module(), "unet."));
        try (StepScope scope = StepScope.open()) {
            Tensor z = torch.randn(b, c, s, s);
            Tensor eps = torch.randn(b, c, s, s);
            Tensor t = torch.rand(b);
            Tensor y = torch.randint(cfg.unet().model().numClasses() + 1, new long[]{b});
            VDenoiser denoiser = new VDenoiser(unet::forward, NoiseSchedule.of(cfg.unet().diffusion()));
            Tensor xt = denoiser.noised(z, eps, t);
            Tensor v = unet.forward(xt, t, y);
            Tensor loss = denoiser.loss(z, eps, t, y);
            loss.backward();
            put(out, "z", z);
            put(out, "eps", eps);
            put(out, "t", t);
            out.put("y", Tensors.toHost(y));
            put(out, "out.v", v);
            put(out, "loss.v_mse", loss);
            out.put("grad_norm.unet", HostTensor.ofFloats(new float[]{(float) gradNorm(unet.module())}));
        }
        return write(dir.resolve("agree-unet.safetensors"), out, cfg);
    }

    static void put(Map<String, HostTensor> out, String name, Tensor t) {
        out.put(name, Tensors.toHost(t.detach().contiguous()));
    }

    static double gradNorm(org.bytedeco.pytorch.Module m) {
        TensorVector grads = new TensorVector();
        for (Tensor p : StateDict.parameters(m).values()) {
            if (p.grad().defined()) {
                grads.push_back(p.grad().to(torch.ScalarType.Double).pow(new Scalar(2)).sum());
            }
        }
        return Math.sqrt(torch.stack(grads).sum().item_double());
    }

    private static Path write(Path file, Map<String, HostTensor> tensors, Config cfg) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("config", new ObjectMapper().writeValueAsString(cfg));
            Safetensors.write(file, tensors, meta);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
