package ldm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process from /proc (Linux); -1 where unavailable. */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    /** Current RSS in bytes. */
    public static long rss() {
        return field("VmRSS:");
    }

    /** Peak RSS (high-water mark) in bytes. */
    public static long peakRss() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
