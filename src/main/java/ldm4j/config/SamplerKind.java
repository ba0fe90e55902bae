package ldm4j.config;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The samplers ({@code sample.sampler}, {@code --sampler}): the one list of names, with how many network calls
 * each step makes and the time spacing {@code auto} picks for it. Parsing, validation, {@code --help}, the
 * progress count, the FLOP count and the web API read this; {@code ldm4j.diffusion.Samplers.byName} maps each
 * to its function (an exhaustive switch: a new sampler does not compile until it has one).
 */
public enum SamplerKind {
    /** DDIM (Song et al. 2021) with stochasticity eta; one call per step. */
    DDIM("ddim", "DDIM", 1, "uniform-t"),
    /** DPM-Solver++(2M) (Lu et al. 2022), multistep: one call per step. */
    DPMPP2M("dpmpp2m", "DPM-Solver++(2M)", 1, "uniform-logsnr"),
    /** Heun's second-order method (Karras et al. 2022): two calls per step, one on the last. */
    HEUN("heun", "Heun", 2, "uniform-t");

    private final String key;
    private final String label;
    private final int callsPerStep;
    private final String autoSpacing;

    SamplerKind(String key, String label, int callsPerStep, String autoSpacing) {
        this.key = key;
        this.label = label;
        this.callsPerStep = callsPerStep;
        this.autoSpacing = autoSpacing;
    }

    /** The name in configs, options and the API. */
    public String key() {
        return key;
    }

    /** The name people know it by, for the web page's sampler list. */
    public String label() {
        return label;
    }

    /** Network calls (guided: each a conditional and a null-class pass) per sampler step. */
    public int callsPerStep() {
        return callsPerStep;
    }

    /** The {@code sample.spacing} that {@code auto} means for this sampler (measured on Gaussian data: SamplersTest). */
    public String autoSpacing() {
        return autoSpacing;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(SamplerKind::key).toList();
    }

    public static Optional<SamplerKind> find(String key) {
        return Arrays.stream(values()).filter(s -> s.key.equals(key)).findFirst();
    }

    /** The sampler named {@code key}; a {@link ConfigException} naming {@code what} and the valid names otherwise. */
    public static SamplerKind of(String what, String key) {
        return find(key).orElseThrow(() -> new ConfigException(what + " = " + (key == null ? "null" : "'" + key + "'")
                + " is not allowed: expected one of " + String.join(", ", keys())));
    }

    /** For picocli's {@code completionCandidates}: {@code ${COMPLETION-CANDIDATES}} in a help text lists the names. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return keys().iterator();
        }
    }
}
