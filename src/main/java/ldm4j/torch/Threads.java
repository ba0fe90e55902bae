package ldm4j.torch;

import org.bytedeco.pytorch.global.torch;

/** libtorch's intra-op thread pool size, from the {@code --threads} option. */
public final class Threads {
    private Threads() {
    }

    /** Sets libtorch's intra-op threads; 0 means one per available core. Returns the count used. */
    public static int configure(int requested) {
        if (requested < 0) {
            throw new IllegalArgumentException("--threads must be >= 0 (0 = all cores), got " + requested);
        }
        int n = requested != 0 ? requested : launcherThreads();
        torch.set_num_threads(n);
        return n;
    }

    /** The share of the cores {@code ldm4j launch} gives each rank ({@code LDM4J_THREADS}), else every core. */
    private static int launcherThreads() {
        String v = System.getenv("LDM4J_THREADS");
        try {
            int n = v == null ? 0 : Integer.parseInt(v.strip());
            return n > 0 ? n : Runtime.getRuntime().availableProcessors();
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }
}
