package ldm4j.unet;

import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.config.UnetStageConfig;
import ldm4j.diffusion.LossWeighting;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.VDenoiser;
import ldm4j.distributed.Collective;
import ldm4j.nn.Backbone;
import ldm4j.nn.StateDict;
import ldm4j.torch.Precision;
import ldm4j.train.AdamW;
import ldm4j.train.Ema;
import ldm4j.train.LrSchedule;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One optimisation step of the diffusion backbone (UNet or DiT, {@code unet.model.type}) on a prepared batch,
 * as the trainer and the benchmark run it: forward and v-loss (under the device's autocast), backward, clip,
 * AdamW at the schedule's learning rate, EMA. Holds the backbone, its EMA copy, the optimiser and the
 * schedule, built from the config.
 */
public final class UnetStep {
    final Backbone unet;
    final Backbone emaNet;
    final Ema ema;
    final AdamW opt;
    final LrSchedule lr;
    private final UnetStageConfig uc;
    private final Device device;
    private final VDenoiser denoiser;
    private final Precision precision;
    private final Collective collective;

    /**
     * @param channels   latent channels C
     * @param size       latent side
     * @param totalSteps length of the run (the learning-rate schedule)
     * @param seed       seed of the initial weights
     * @param precision  of the forward pass and loss (bf16 autocast or fp32)
     * @param collective the data-parallel job (single: one process); every rank starts from rank 0's weights
     *                   and averages gradients
     */
    public UnetStep(UnetStageConfig uc, int channels, int size, long totalSteps, long seed, Device device,
                    Precision precision, Collective collective) {
        this(uc, NoiseSchedule.of(uc.diffusion()), channels, size, totalSteps, seed, device, precision, collective);
    }

    /** As above, on the given noise schedule (the run's; built once from the config). */
    public UnetStep(UnetStageConfig uc, NoiseSchedule schedule, int channels, int size, long totalSteps, long seed,
                    Device device, Precision precision, Collective collective) {
        this.uc = uc;
        this.device = device;
        this.collective = collective;
        torch.manual_seed(seed); // the initial weights
        unet = Backbones.create(uc.model(), channels, size);
        emaNet = Backbones.create(uc.model(), channels, size);
        unet.module().to(device, false);
        emaNet.module().to(device, false);
        ema = new Ema(unet.module(), emaNet.module(), uc.train().emaDecay(), uc.train().emaWarmup());
        opt = new AdamW(unet.module(), uc.train().beta1(), uc.train().beta2(), 1e-8, uc.train().weightDecay());
        lr = new LrSchedule.Cosine(uc.train().lr(), uc.train().lrMin(), Math.min(uc.train().warmup(), totalSteps - 1),
                totalSteps);
        denoiser = new VDenoiser(unet::forward, schedule,
                LossWeighting.of(uc.diffusion().loss(), uc.diffusion().minSnrGamma()));
        this.precision = precision;
        collective.broadcastParameters(StateDict.tensors(unet.module()).values());
        collective.broadcastParameters(StateDict.tensors(emaNet.module()).values());
    }

    /**
     * Step {@code step} on normalised latents z0 (B, C, h, w), noise eps (B, C, h, w), times t (B,) and
     * labels y (B,) (the null class where dropped); returns loss, gradient norm, lr and EMA decay. In a
     * data-parallel job B is this rank's slice: gradients and the logged loss are averaged over the
     * ranks, so clipping sees the global norm and every rank takes the same step.
     */
    public Map<String, Double> run(long step, Tensor z0, Tensor eps, Tensor t, Tensor y) {
        unet.module().train(true);
        Tensor loss = precision.autocast(() -> denoiser.loss(z0.to(device, torch.ScalarType.Float),
                eps.to(device, torch.ScalarType.Float), t.to(device, torch.ScalarType.Float), y.to(device, torch.ScalarType.Long)));
        opt.zeroGrad();
        loss.backward();
        collective.averageGradients(opt.parameterList());
        double gradNorm = torch.clip_grad_norm_(opt.parameters(),
                uc.train().clipNorm() > 0 ? uc.train().clipNorm() : Double.MAX_VALUE, 2.0, false);
        double lrNow = lr.lr(step);
        opt.step(lrNow);
        ema.update();

        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", collective.average(loss.item_double()));
        m.put("grad_norm", gradNorm);
        m.put("lr", lrNow);
        m.put("ema_decay", ema.currentDecay());
        return m;
    }

    /** The backbone being trained. */
    public Backbone network() {
        return unet;
    }

    /** Its EMA copy. */
    public Backbone emaNetwork() {
        return emaNet;
    }

    /** The trained backbone's module (its weights). */
    public Module unet() {
        return unet.module();
    }

    /** The EMA copy's module (its weights). */
    public Module emaNet() {
        return emaNet.module();
    }
}
