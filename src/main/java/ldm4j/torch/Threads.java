package ldm4j.torch;

import java.util.function.Consumer;

import ldm4j.LdmException;
import org.bytedeco.pytorch.global.torch;

/** libtorch's intra-op thread pool size, from the {@code --threads} option. */
public final class Threads {
    private Threads() {
    }

    /** As {@link #configure(int, Consumer)}, warning on standard error. */
    public static int configure(int requested) {
        return configure(requested, System.err::println);
    }

    /**
     * Sets libtorch's intra-op threads; 0 means one per available core. More threads than cores
     * oversubscribe the machine (a run can become 50x slower), so the count is capped at the cores
     * with a warning. Returns the count used.
     *
     * @throws LdmException if {@code requested} is outside 0..{@value #MAX}, the range every config allows
     */
    /** The largest --threads any command or config accepts (the configs' own range). */
    public static final int MAX = 1024;

    public static int configure(int requested, Consumer<String> warn) {
        int n = resolve(requested != 0 ? requested : launcherThreads(), Runtime.getRuntime().availableProcessors(), warn);
        torch.set_num_threads(n);
        return n;
    }

    /** The thread count for a request on a machine with {@code cores} cores (pure; see {@link #configure}). */
    public static int resolve(int requested, int cores, Consumer<String> warn) {
        if (requested < 0 || requested > MAX) {
            throw new LdmException("--threads " + requested + " is out of range: expected 0 <= --threads <= " + MAX
                    + " (0 = one per core; counts above the " + cores + " cores are capped at them)");
        }
        if (requested > cores) {
            warn.accept("ldm4j: warning: --threads " + requested + " is more than the " + cores
                    + " cores of this machine; using " + cores);
            return cores;
        }
        return requested == 0 ? cores : requested;
    }

    /** The share of the cores {@code ldm4j launch} gives each rank ({@code LDM4J_THREADS}), else 0 (every core). */
    private static int launcherThreads() {
        String v = System.getenv("LDM4J_THREADS");
        try {
            return v == null ? 0 : Math.max(0, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
