package ldm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.concurrent.Callable;

import ldm4j.autoencoder.VaeTrainer;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.torch.Devices;
import ldm4j.torch.Threads;
import ldm4j.train.RunDir;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.train.StopSignal;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j train-vae}: the VAE-GAN stage. */
@Command(name = "train-vae", mixinStandardHelpOptions = true,
        description = {"Train the VAE (3x64x64 -> 4x16x16 latent) against a patch discriminator.",
                "Writes <run>/vae.safetensors (weights + latent normaliser), checkpoints under <run>/checkpoints/vae/, "
                        + "metrics.jsonl, TensorBoard logs (<run>/tb/vae) and reconstruction grids (<run>/images/)."})
public final class TrainVaeCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "SPEC", description = "Dataset (overrides data.spec): cifar10, cifar10:PATH, folder:PATH, imagenet:ROOT or wds:PATTERN[,test=PATTERN].")
    String data;

    @Mixin
    ConfigOptions config;

    @Mixin
    RunOptions runOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Config cfg = resolveConfig();
        if (config.dryRun) {
            out.println(new ConfigResolver().toJson(cfg));
            return 0;
        }
        var budget = runOptions.budget();
        Threads.configure(cfg.threads());
        Device device = Devices.resolve(cfg.device());
        RunDir run = RunDir.create(runOptions.run()); // the writer lock first: a second writer is refused at once
        Splits splits = DataSpec.open(cfg.data(), spec.commandLine().getErr()::println);
        cfg = config.bindClasses(cfg, splits.classes(), spec.commandLine().getErr()::println);
        StopSignal stop = StopSignal.install(System.err);
        DistEnv env = DistEnv.fromEnvironment();
        try (Collective ranks = Ranks.join(env, Ranks.identity(cfg), device)) {
            new VaeTrainer(cfg, run, splits, device, out, env, ranks).train(budget.stoppedBy(stop), runOptions.resume());
        }
        out.flush();
        return stop.exitCode();
    }

    /** With --resume and no explicit --config, the run's own config.json is the base. */
    private Config resolveConfig() {
        if (runOptions.resume() && config.configFile == null) {
            var saved = runOptions.run().resolve("config.json");
            if (Files.isRegularFile(saved)) {
                config.configFile = saved;
            }
        }
        return config.resolveWithData(data);
    }
}
