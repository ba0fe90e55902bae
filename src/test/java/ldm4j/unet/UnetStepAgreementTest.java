package ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ldm4j.config.ConfigResolver;
import ldm4j.config.UnetStageConfig;
import ldm4j.distributed.Collective;
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
 * One whole UNet training step (v-prediction loss, backward, clipping, AdamW) against the PyTorch twin:
 * the fixture (scripts/fixtures/make_unet_step_fixture.py) holds the weights, the inputs, the loss, the
 * gradient norm and the weights after the step.
 */
class UnetStepAgreementTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/unet/unet_step.safetensors");

    @Test
    void oneStepMatchesPyTorch() throws Exception {
        UnetStageConfig uc = new ConfigResolver().resolve("tiny", null, List.of("data.resolution=32",
                "unet.model.channels=8", "unet.model.multipliers=[1,2]", "unet.model.resBlocks=1",
                "unet.model.attentionResolutions=[4]", "unet.model.headChannels=8", "unet.model.groups=4",
                "unet.model.dropout=0", "unet.model.numClasses=10", "unet.diffusion.loss=v-mse",
                "unet.train.lr=0.001", "unet.train.warmup=0", "unet.train.beta1=0.9", "unet.train.beta2=0.99",
                "unet.train.weightDecay=0.05", "unet.train.clipNorm=0.5")).unet();
        try (SafetensorsFile f = Safetensors.read(FIXTURE); StepScope s = StepScope.open()) {
            Map<String, HostTensor> all = f.getAll();
            UnetStep step = new UnetStep(uc, 4, 8, 10, 0, new Device(torch.DeviceType.CPU),
                    Precision.fp32(new Device(torch.DeviceType.CPU)), Collective.single());
            StateDict.load(step.unet(), all, "unet.", FIXTURE);
            Map<String, Double> m = step.run(0, Tensors.fromHost(all.get("z0")), Tensors.fromHost(all.get("eps")),
                    Tensors.fromHost(all.get("t")), Tensors.fromHost(all.get("y")));
            assertEquals(1e-3, m.get("lr"), 1e-12, "the peak learning rate at step 0 without warm-up");
            double loss = all.get("loss").toFloats()[0];
            double norm = all.get("grad_norm").toFloats()[0];
            assertEquals(loss, m.get("loss"), 1e-5 * loss, "v-MSE loss");
            assertEquals(norm, m.get("grad_norm"), 1e-4 * norm, "gradient norm before clipping");
            double diff2 = 0;
            double update2 = 0;
            for (Map.Entry<String, Tensor> e : StateDict.tensors(step.unet()).entrySet()) {
                float[] before = all.get("unet." + e.getKey()).toFloats();
                float[] want = all.get("updated." + e.getKey()).toFloats();
                float[] got = Tensors.toFloats(e.getValue());
                for (int i = 0; i < got.length; i++) {
                    diff2 += (double) (got[i] - want[i]) * (got[i] - want[i]);
                    update2 += (double) (want[i] - before[i]) * (want[i] - before[i]);
                }
            }
            // AdamW's first step moves each weight by about lr * sign(g): compare the updates themselves
            double rel = Math.sqrt(diff2 / update2);
            assertTrue(update2 > 0 && rel < 1e-3, "updated weights differ from PyTorch's by " + rel + " of the update");
            System.out.printf("UNet step vs PyTorch: loss %.3g, gradient norm %.3g relative; updated weights %.3g of the update%n",
                    Math.abs(m.get("loss") - loss) / loss, Math.abs(m.get("grad_norm") - norm) / norm, rel);
        }
    }
}
