package ldm4j.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The instruction-set flags of this machine's CPU, read from {@code /proc/cpuinfo} (Linux): what
 * {@link Precision} needs to know whether bf16 runs natively ({@code avx512_bf16} on AVX-512 parts,
 * {@code amx_bf16} on Intel's AMX tiles). Elsewhere the flags are unknown (empty).
 *
 * @param flags  the CPU's flags, lower case
 * @param source where they were read, for messages
 */
public record CpuFeatures(Set<String> flags, String source) {
    public CpuFeatures {
        flags = Set.copyOf(flags);
    }

    /** Reads {@code /proc/cpuinfo}; no flags when it is absent or unreadable (not Linux). */
    public static CpuFeatures detect() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        try {
            return parse(Files.readString(cpuinfo), cpuinfo.toString());
        } catch (IOException | RuntimeException e) {
            return new CpuFeatures(Set.of(), "no " + cpuinfo);
        }
    }

    /** The flags of the first processor in a {@code /proc/cpuinfo} text ("flags : fpu ... avx512_bf16 ..."). */
    static CpuFeatures parse(String cpuinfo, String source) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals("flags")) {
                Set<String> f = new TreeSet<>(Arrays.asList(line.substring(colon + 1).strip().toLowerCase().split("\\s+")));
                f.remove("");
                return new CpuFeatures(f, source);
            }
        }
        return new CpuFeatures(Set.of(), source);
    }

    /** The flag that makes bf16 native on this CPU ({@code amx_bf16} first), or null. */
    public String nativeBf16Flag() {
        return flags.contains("amx_bf16") ? "amx_bf16" : flags.contains("avx512_bf16") ? "avx512_bf16" : null;
    }
}
