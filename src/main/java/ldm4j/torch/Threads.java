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
        int n = requested == 0 ? Runtime.getRuntime().availableProcessors() : requested;
        torch.set_num_threads(n);
        return n;
    }
}
