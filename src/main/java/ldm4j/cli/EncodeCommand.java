package ldm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.latents.LatentCache;
import ldm4j.torch.Devices;
import ldm4j.torch.Threads;
import ldm4j.train.RunDir;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j encode}: the latent cache of a run's VAE (under {@code launch}, each rank encodes its share of the shards). */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = {"Cache the posterior moments (mean, logvar) of the run's frozen VAE for every training and test "
                + "image and its horizontal flip, under <run>/latents/.",
                "Reused when the VAE, data and transform are unchanged and every shard matches its size and checksum in "
                        + "the manifest; rebuilt (with a message) otherwise."})
public final class EncodeCommand implements Callable<Integer> {

    @Option(names = "--run", paramLabel = "DIR", required = true, description = "Run folder holding vae.safetensors.")
    Path run;

    @Option(names = "--data", paramLabel = "SPEC", description = "Dataset (default: the one the VAE was trained on).")
    String data;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override latents.* (e.g. latents.dtype=f32) or data.workers.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", description = "libtorch threads (0 = one per core).")
    Integer threads;

    @Option(names = "--device", paramLabel = "cpu|cuda|auto", description = "Compute device.")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RunDir.requireRunPath(run);
        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(run.resolve("vae.safetensors"));
        Config cfg = overrides(vae.config());
        RunDir.create(run); // the writer lock; clears temporary files of an interrupted encode
        Threads.configure(cfg.threads(), spec.commandLine().getErr()::println);
        Device dev = Devices.resolve(cfg.device());
        vae.vae().to(dev, false);
        Splits splits = DataSpec.open(cfg.data(), spec.commandLine().getErr()::println);
        try (SignalNotice notice = new SignalNotice(spec.commandLine().getErr(), "encode stopped by a signal before it"
                + " finished: the latent cache is incomplete and unused; run encode again (it starts over)");
             Collective ranks = Ranks.join(DistEnv.fromEnvironment(), Ranks.identity(cfg), dev)) {
            LatentCache.buildForRun(run.resolve("latents"), vae, cfg, splits, dev, out, ranks);
        }
        out.flush();
        return 0;
    }

    private Config overrides(Config base) {
        List<String> all = new ArrayList<>(sets);
        if (data != null) {
            all.add("data.spec=" + data);
        }
        if (threads != null) {
            all.add("threads=" + threads);
        }
        if (device != null) {
            all.add("device=" + device);
        }
        return new ConfigResolver().override(base, all);
    }
}
