package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ldm4j.config.ConfigResolver;
import ldm4j.config.VaeConfig;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.StateDict;
import ldm4j.torch.Precision;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * One whole VAE-GAN training step (autoencoder and discriminator, every loss term, clipping, both
 * AdamW updates) against the PyTorch twin: the fixture (scripts/fixtures/make_vae_gan_step_fixture.py)
 * holds the weights, the images, the posterior noise the step draws, every loss term, both gradient
 * norms and the weights after the step.
 */
class VaeGanStepAgreementTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/vae/vae_gan_step.safetensors");
    static final Device CPU = new Device(torch.DeviceType.CPU);

    @Test
    void oneStepMatchesPyTorch() throws Exception {
        VaeConfig vc = new ConfigResolver().resolve("tiny", null, List.of("data.resolution=16",
                "vae.model.channels=8", "vae.model.multipliers=[1,2]", "vae.model.resBlocks=1",
                "vae.model.latentChannels=4", "vae.model.midAttention=true", "vae.model.groups=4", "vae.model.patchSize=1",
                "vae.disc.channels=8", "vae.disc.layers=2", "vae.disc.groups=4",
                "vae.loss.l1Weight=0.5", "vae.loss.klWeight=0.001", "vae.loss.klWarmup=0", "vae.loss.advWeight=0.5",
                "vae.loss.fmWeight=0.25", "vae.loss.advStart=0", "vae.loss.advWarmup=1", "vae.loss.discLoss=hinge",
                "vae.loss.instanceNoise=0", "vae.train.beta1=0.5", "vae.train.beta2=0.9", "vae.train.discBeta1=0.5",
                "vae.train.discBeta2=0.9", "vae.train.weightDecay=0.01", "vae.train.clipNorm=1.0")).vae();
        try (SafetensorsFile f = Safetensors.read(FIXTURE); StepScope s = StepScope.open()) {
            Map<String, HostTensor> all = f.getAll();
            VaeGanStep step = VaeGanStep.create(vc, 5, CPU, Precision.fp32(CPU));
            StateDict.load(step.vae(), all, "vae.", FIXTURE);
            StateDict.load(step.disc(), all, "disc.", FIXTURE);
            Map<String, Double> m = step.run(1, Tensors.fromHost(all.get("x")), 1e-3, 2e-3, false);
            StringBuilder report = new StringBuilder("VAE-GAN step vs PyTorch:");
            for (String[] k : new String[][]{{"loss", "total"}, {"rec", "rec"}, {"kl", "kl"}, {"adv", "adv"}, {"fm", "fm"},
                    {"disc_loss", "disc_loss"}, {"grad_norm_vae", "grad_norm_vae"}, {"grad_norm_disc", "grad_norm_disc"}}) {
                double want = all.get(k[1]).toFloats()[0];
                double rel = Math.abs(m.get(k[0]) - want) / Math.abs(want);
                assertTrue(rel < 1e-4, k[0] + ": " + m.get(k[0]) + " vs PyTorch " + want);
                report.append(String.format(" %s %.2g", k[0], rel));
            }
            for (String net : List.of("vae", "disc")) {
                double diff2 = 0;
                double update2 = 0;
                Map<String, Tensor> live = StateDict.tensors(net.equals("vae") ? step.vae() : step.disc());
                for (Map.Entry<String, Tensor> e : live.entrySet()) {
                    float[] before = all.get(net + "." + e.getKey()).toFloats();
                    float[] want = all.get("updated." + net + "." + e.getKey()).toFloats();
                    float[] got = Tensors.toFloats(e.getValue());
                    for (int i = 0; i < got.length; i++) {
                        diff2 += (double) (got[i] - want[i]) * (got[i] - want[i]);
                        update2 += (double) (want[i] - before[i]) * (want[i] - before[i]);
                    }
                }
                // AdamW's first step moves each weight by about lr * sign(g): compare the updates themselves
                double rel = Math.sqrt(diff2 / update2);
                assertTrue(update2 > 0 && rel < 1e-3, net + ": updated weights differ from PyTorch's by " + rel + " of the update");
                report.append(String.format(" updated %s %.2g", net, rel));
            }
            System.out.println(report);
        }
    }
}
