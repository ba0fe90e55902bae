package ldm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import ldm4j.data.DataException;
import ldm4j.data.DataSpec;
import ldm4j.data.ImageDataset;
import ldm4j.data.ShardWriter;
import ldm4j.data.Splits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j shards}: write any dataset ldm4j reads as WebDataset tar shards. */
@Command(name = "shards", mixinStandardHelpOptions = true,
        description = {"Write a dataset as WebDataset tar shards (POSIX ustar): OUT/train-000000.tar, ... and "
                + "OUT/test-000000.tar, ... (the test or val split, if any), each sample KEY.jpg|jpeg|png (the original "
                + "file's bytes; CIFAR-10's pixels as PNG) with KEY.cls (its label), in dataset order, plus OUT/classes.txt. "
                + "The same data gives byte-identical shards. Read them back with --data wds:OUT/train-{000000..NNNNNN}.tar."})
public final class ShardsCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "SPEC", required = true, description = "Dataset to write (cifar10, folder:, imagenet:).")
    String data;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder for the shards (created).")
    Path out;

    @Option(names = "--per-shard", paramLabel = "N", defaultValue = "1000",
            description = "Samples per shard. Default: ${DEFAULT-VALUE}.")
    int perShard;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (perShard < 1 || perShard > 1_000_000) {
            throw new ldm4j.LdmException("--per-shard = " + perShard + " must be in 1..1,000,000");
        }
        PrintWriter o = spec.commandLine().getOut();
        ConfigOptions.DataSettings cfg = config.resolveDataOnly(data);
        if (DataSpec.parse(cfg.data().spec()).kind() == DataSpec.Kind.WDS) {
            throw new DataException("--data " + data + " is already shards: give the folder:, imagenet: or cifar10 data");
        }
        Splits splits = DataSpec.open(cfg.data(), spec.commandLine().getErr()::println);
        write(o, splits.train(), "train");
        if (splits.test().isPresent()) {
            write(o, splits.test().get(), "test");
        }
        o.flush();
        return 0;
    }

    private void write(PrintWriter o, ImageDataset ds, String prefix) {
        List<Path> shards = ShardWriter.write(ds, out, prefix, perShard, s -> { });
        o.printf("%s: %,d samples in %d shards: --data wds:%s/%s-{%06d..%06d}.tar%n", prefix, ds.size(), shards.size(), out,
                prefix, 0, shards.size() - 1);
    }
}
