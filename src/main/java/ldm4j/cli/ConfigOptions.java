package ldm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.config.DataConfig;
import ldm4j.config.Presets;
import ldm4j.data.ClassBinding;
import picocli.CommandLine.Option;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Options that choose and override the configuration; shared by every command that builds a config. */
public final class ConfigOptions {

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "tiny", completionCandidates = PresetNames.class,
            description = "Preset: ${COMPLETION-CANDIDATES} (README: Presets). Default: ${DEFAULT-VALUE}.")
    String preset;

    /** The preset names for --help, from the one registry. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Presets.names().iterator();
        }
    }

    @Option(names = "--config", paramLabel = "FILE.json", description = "JSON file overriding preset values (e.g. a run's config.json).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one value, e.g. --set data.resolution=32 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", description = "Master seed (overrides the config's seed).")
    Long seed;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch threads; 0 = one per core (overrides the config).")
    Integer threads;

    @Option(names = "--device", paramLabel = "cpu|cuda|auto", description = "Compute device (overrides the config).")
    String device;

    @Option(names = "--precision", paramLabel = "auto|fp32|bf16", description = "Arithmetic of the forward passes: bf16 "
            + "autocast, fp32, or auto (bf16 on CUDA and on CPUs with native bf16, fp32 elsewhere); overrides the config.")
    String precision;

    @Option(names = "--dry-run", description = "Print the resolved config as JSON and exit.")
    boolean dryRun;

    /** The settings a data-only command reads: the data section, the seed and the thread count (and the whole tree). */
    public record DataSettings(DataConfig data, long seed, int threads,
                               ObjectNode tree) {
    }

    /**
     * The data settings with {@code --data SPEC} (may be null) overriding data.spec, validated on their own: the
     * VAE and UNet sections are not cross-checked against data.resolution (a data check at 256 px must not fail
     * on a UNet attention size).
     */
    public DataSettings resolveDataOnly(String dataSpec) {
        List<String> all = new ArrayList<>(sets);
        if (dataSpec != null) {
            all.add("data.spec=" + dataSpec);
        }
        if (seed != null) {
            all.add("seed=" + seed);
        }
        if (threads != null) {
            all.add("threads=" + threads);
        }
        ConfigResolver r = new ConfigResolver();
        ObjectNode tree = r.resolveTree(preset, configFile, all);
        return new DataSettings(r.dataOf(tree), tree.path("seed").asLong(), tree.path("threads").asInt(), tree);
    }

    /** As {@link #resolve(List)}, with a command's {@code --data SPEC} (may be null) overriding data.spec. */
    public Config resolveWithData(String dataSpec) {
        return resolve(dataSpec == null ? List.of() : List.of("data.spec=" + dataSpec));
    }

    /**
     * The config with its classes taken from the data ({@link ldm4j.data.ClassBinding}); a --set
     * unet.model.numClasses that contradicts the data is an error.
     */
    public Config bindClasses(Config cfg, List<String> classes, Consumer<String> notes) {
        boolean explicit = sets.stream().anyMatch(s -> s.strip().startsWith("unet.model.numClasses="));
        return ClassBinding.bind(cfg, classes, explicit, notes);
    }

    /** Resolves preset, file, --set entries, then the explicit options; {@code extra} are further --set entries. */
    public Config resolve(List<String> extra) {
        List<String> all = new ArrayList<>(sets);
        all.addAll(extra);
        if (seed != null) {
            all.add("seed=" + seed);
        }
        if (threads != null) {
            all.add("threads=" + threads);
        }
        if (device != null) {
            all.add("device=" + device);
        }
        if (precision != null) {
            all.add("precision=" + precision);
        }
        return new ConfigResolver().resolve(preset, configFile, all);
    }
}
