package ldm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import ldm4j.LdmException;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.latents.LatentCache;
import ldm4j.latents.LatentSet;
import ldm4j.torch.Devices;
import ldm4j.torch.Threads;
import ldm4j.train.RunDir;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.train.StopSignal;
import ldm4j.unet.UnetTrainer;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j train-unet}: the latent diffusion stage. */
@Command(name = "train-unet", mixinStandardHelpOptions = true,
        description = {"Train the class-conditional v-prediction UNet on the run's latent cache (run 'encode' first).",
                "Writes <run>/unet.safetensors (raw and EMA weights), checkpoints under <run>/checkpoints/unet/, "
                        + "metrics.jsonl and TensorBoard logs (<run>/tb/unet), including the held-out v-MSE."})
public final class TrainUnetCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Mixin
    RunOptions runOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path runDir = runOptions.run();
        Path vaeFile = runDir.resolve("vae.safetensors");
        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(vaeFile);
        Config cfg = resolve(vae.config());
        if (config.dryRun) {
            out.println(new ConfigResolver().toJson(cfg));
            return 0;
        }
        var budget = runOptions.budget();
        Threads.configure(cfg.threads());
        Device device = Devices.resolve(cfg.device());
        Path latents = runDir.resolve("latents");
        LatentCache.Manifest m = LatentCache.readManifest(latents);
        if (m == null) {
            throw LatentCache.missing(latents, runDir);
        }
        if (!m.key().vaeSha256().equals(vae.sha256())) {
            throw new LdmException(latents + " was encoded with a different VAE than " + vaeFile
                    + ": run 'bin/ldm4j encode --run " + runDir + "' to rebuild it");
        }
        StopSignal stop = StopSignal.install(System.err);
        DistEnv env = DistEnv.fromEnvironment();
        try (LatentSet train = LatentSet.open(latents, "train"); LatentSet test = LatentSet.open(latents, "test")) {
            cfg = config.bindClasses(cfg, train.classes(), spec.commandLine().getErr()::println); // classes from the data
            try (Collective ranks = Ranks.join(env, Ranks.identity(cfg), device)) {
                new UnetTrainer(cfg, RunDir.create(runDir), device, out, env, ranks)
                        .train(train, test, vae.normalizer(), vae.sha256(), budget.stoppedBy(stop), runOptions.resume());
            }
        }
        out.flush();
        return stop.exitCode();
    }

    /**
     * The UNet trains in the VAE's run folder: its config starts from the run's config.json (or
     * the VAE's), then the usual preset/file/--set overrides for the unet section apply.
     */
    private Config resolve(Config vaeConfig) {
        Path saved = runOptions.run().resolve("config.json");
        if (config.configFile == null && Files.isRegularFile(saved)) {
            config.configFile = saved;
        }
        Config cfg = config.resolve(List.of());
        if (!cfg.vae().equals(vaeConfig.vae())) {
            List<String> notes = new ArrayList<>();
            notes.add("the vae section differs from the one vae.safetensors was trained with; using the VAE's");
            cfg = new Config(cfg.preset(), cfg.seed(), cfg.device(), cfg.threads(), cfg.precision(), cfg.data(), vaeConfig.vae(),
                    cfg.latents(), cfg.unet(), cfg.sample());
            spec.commandLine().getErr().println("note: " + notes.get(0));
        }
        return cfg;
    }
}
