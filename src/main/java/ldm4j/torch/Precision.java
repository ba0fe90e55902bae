package ldm4j.torch;

import java.util.function.Supplier;

import ldm4j.LdmException;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The arithmetic of the forward passes: fp32, or bf16 autocast. Under bf16 autocast libtorch runs
 * convolutions, linear layers and matrix products (attention included) in bf16 and every other op in
 * the dtype of its inputs; weights, gradients, optimizer state, EMA, losses, KL, the schedule and the
 * sampler's state stay fp32 because each network's output is cast back to fp32 where it leaves the
 * network ({@link #toFp32}). {@code auto} picks bf16 on CUDA and on CPUs with native bf16 (AVX-512 BF16
 * or AMX, read from the CPU's flags), fp32 elsewhere.
 *
 * @param bf16   forward passes under bf16 autocast
 * @param device the device type autocast applies to
 * @param reason why this precision was chosen, for the log and the run's record
 */
public record Precision(boolean bf16, torch.DeviceType device, String reason) {
    public static final String AUTO = "auto";

    /** Full fp32 on {@code device}. */
    public static Precision fp32(Device device) {
        return new Precision(false, Devices.isCuda(device) ? torch.DeviceType.CUDA : torch.DeviceType.CPU, "fp32");
    }

    /** Resolves {@code auto | fp32 | bf16} for {@code device} on this machine. */
    public static Precision resolve(String requested, Device device) {
        return resolve(requested, Devices.isCuda(device), Devices.isCuda(device) ? null : CpuFeatures.detect());
    }

    /** As {@link #resolve(String, Device)} for a CUDA device or a CPU with {@code cpu}'s flags. */
    public static Precision resolve(String requested, boolean cuda, CpuFeatures cpu) {
        torch.DeviceType type = cuda ? torch.DeviceType.CUDA : torch.DeviceType.CPU;
        String nativeFlag = cuda ? "cuda" : cpu.nativeBf16Flag();
        return switch (requested) {
            case "fp32" -> new Precision(false, type, "precision fp32 requested");
            case "bf16" -> new Precision(true, type, nativeFlag != null ? "precision bf16 requested"
                    : "precision bf16 requested, but this CPU has no native bf16 (no avx512_bf16 or amx_bf16 flag in "
                    + cpu.source() + "): expect it to be slower than fp32");
            case AUTO -> cuda ? new Precision(true, type, "auto: bf16 autocast on CUDA")
                    : nativeFlag != null ? new Precision(true, type, "auto: this CPU has native bf16 (" + nativeFlag + ")")
                    : new Precision(false, type, "auto: this CPU has no native bf16 (no avx512_bf16 or amx_bf16 flag in "
                    + cpu.source() + ")");
            default -> throw new LdmException("precision '" + requested + "' is not one of auto, fp32, bf16");
        };
    }

    /** "bf16" (autocast) or "fp32", as recorded in run folders, PNGs and benchmark rows. */
    public String label() {
        return bf16 ? "bf16" : "fp32";
    }

    /** One line for the log: the precision and why. */
    public String describe() {
        return "precision " + label() + (bf16 ? " autocast" : "") + " (" + reason + ")";
    }

    /** Enables bf16 autocast on this thread until the returned scope closes, if this precision uses it. */
    public AutoCloseable autocast() {
        if (!bf16) {
            return () -> { };
        }
        boolean wasEnabled = torch.is_autocast_enabled(device);
        ScalarType wasDtype = torch.get_autocast_dtype(device);
        torch.set_autocast_dtype(device, ScalarType.BFloat16);
        torch.set_autocast_enabled(device, true);
        return () -> {
            torch.set_autocast_enabled(device, wasEnabled);
            torch.set_autocast_dtype(device, wasDtype);
            if (!wasEnabled) {
                torch.clear_cache();                                           // the bf16 copies of the weights
            }
        };
    }

    /** Computes {@code f} under this precision's autocast. */
    public <T> T autocast(Supplier<T> f) {
        try (AutoCloseable scope = autocast()) {
            return f.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A network's output as fp32, where it leaves the autocast region (a no-op under fp32). */
    public static Tensor toFp32(Tensor t) {
        return t.scalar_type().value == ScalarType.Float.value ? t : t.to(ScalarType.Float);
    }
}
