package ldm4j.torch;

import java.util.Locale;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/** Device choice from the {@code --device cpu|cuda|auto} option. */
public final class Devices {
    private Devices() {
    }

    public enum Kind { CPU, CUDA, AUTO }

    public static Kind parse(String s) {
        try {
            return Kind.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ldm4j.LdmException("--device '" + s + "' is not one of cpu, cuda, auto");
        }
    }

    /** Resolves a requested device; {@code cuda} without a usable GPU is an error, {@code auto} falls back to CPU. */
    public static Device resolve(String requested) {
        Kind kind = parse(requested);
        boolean cuda = kind != Kind.CPU && cudaAvailable();
        if (kind == Kind.CUDA && !cuda) {
            throw new ldm4j.LdmException("--device cuda was requested but libtorch sees no CUDA device: build with "
                    + "'./mvnw -Pgpu package' on a machine with an NVIDIA driver, or use --device cpu");
        }
        return cuda ? new Device(torch.DeviceType.CUDA, (byte) localRank()) : new Device(torch.DeviceType.CPU);
    }

    /** The GPU of this rank in a data-parallel job: {@code cuda:LOCAL_RANK} (0 outside a job). */
    static int localRank() {
        String v = System.getenv("LOCAL_RANK");
        try {
            return v == null ? 0 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public static boolean cudaAvailable() {
        try {
            return torch.cuda_is_available();
        } catch (Throwable t) {
            return false; // CPU-only natives
        }
    }

    public static boolean isCuda(Device d) {
        return d.type().value == torch.DeviceType.CUDA.value; // bytedeco enum instances from native calls are not the constants
    }

    public static String describe(Device d) {
        return isCuda(d) ? "cuda:" + d.index() : "cpu (" + torch.get_num_threads() + " threads)";
    }
}
