package ldm4j.torch;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Mixed-precision policy: weights, optimizer state, EMA, losses and schedule math stay float32;
 * on CUDA the forward pass runs under bf16 autocast. On CPU everything is float32 (CPU bf16
 * autocast is slower than fp32 on most x86 parts and hides numerical differences).
 */
public record DTypePolicy(boolean autocastBf16) {

    public static DTypePolicy forDevice(Device device) {
        return new DTypePolicy(Devices.isCuda(device));
    }

    public ScalarType weights() {
        return ScalarType.Float;
    }

    /** Enables bf16 autocast for CUDA inside the returned scope, if this policy uses it. */
    public AutoCloseable autocast() {
        if (!autocastBf16) {
            return () -> { };
        }
        torch.set_autocast_dtype(torch.DeviceType.CUDA, ScalarType.BFloat16);
        torch.set_autocast_enabled(torch.DeviceType.CUDA, true);
        return () -> {
            torch.set_autocast_enabled(torch.DeviceType.CUDA, false);
            torch.clear_cache();
        };
    }

    /** Computes {@code f} under this policy's autocast (the forward pass and loss of a training step). */
    public <T> T autocast(java.util.function.Supplier<T> f) {
        try (AutoCloseable scope = autocast()) {
            return f.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
