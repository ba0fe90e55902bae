package ldm4j.nn;

import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.NameDiff;
import ldm4j.io.TensorChecks;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.StringTensorDictItemVector;
import org.bytedeco.pytorch.Tensor;

/**
 * PyTorch-style state dicts of bytedeco modules: parameters and buffers under dotted names
 * ({@code encoder.down.0.res.0.conv1.weight}), copied to host memory for safetensors and back.
 */
public final class StateDict {
    private StateDict() {
    }

    /**
     * Parameters then buffers, in registration order, as live tensors (handles sharing the
     * module's storage, not copies of the data). Call outside a step scope to keep the handles.
     */
    public static Map<String, Tensor> tensors(Module module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        put(out, module.named_parameters(true));
        put(out, module.named_buffers(true));
        return out;
    }

    /** Parameters only, in registration order, as owned handles. */
    public static Map<String, Tensor> parameters(Module module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        put(out, module.named_parameters(true));
        return out;
    }

    private static void put(Map<String, Tensor> out, StringTensorDict dict) {
        StringTensorDictItemVector items = dict.items();
        for (long i = 0; i < items.size(); i++) {
            StringTensorDictItem item = items.get(i);
            // item.value() is a reference into native memory owned by the item and the dict, which the
            // GC may free as soon as they are unreachable: copy the handle (shares the TensorImpl, like
            // a C++ Tensor copy) and keep item, items and dict alive until the copy is made.
            out.put(item.key().getString(), new Tensor(item.value()));
            Reference.reachabilityFence(item);
        }
        Reference.reachabilityFence(items);
        Reference.reachabilityFence(dict);
    }

    /** Copies every parameter and buffer to host memory, with {@code prefix} before each name. */
    public static Map<String, HostTensor> toHost(Module module, String prefix) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors(module).entrySet()) {
            out.put(prefix + e.getKey(), Tensors.toHost(e.getValue()));
        }
        return out;
    }

    /**
     * Loads {@code prefix + name} entries of {@code source} into the module, in place. Every
     * parameter and buffer must be present with the same shape; entries of source outside the
     * prefix are ignored. Errors name the file, the missing/unexpected names and differing shapes,
     * a tensor whose type cannot be the model's (e.g. float data relabelled as int32) and any NaN or
     * infinite value; nothing is copied into the module unless every tensor passes.
     */
    public static void load(Module module, Map<String, HostTensor> source, String prefix, Path file) {
        Map<String, Tensor> target = tensors(module);
        List<String> present = new ArrayList<>();
        for (String k : source.keySet()) {
            if (k.startsWith(prefix)) {
                present.add(k.substring(prefix.length()));
            }
        }
        NameDiff diff = NameDiff.of(present, target.keySet());
        if (!diff.isEmpty()) {
            throw new FormatException(file, "does not match the model" + (prefix.isEmpty() ? "" : " '" + prefix + "'")
                    + " (wrong kind of checkpoint or a different architecture): " + diff);
        }
        List<String> shapeErrors = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : target.entrySet()) {
            long[] want = Tensors.shape(e.getValue());
            long[] got = source.get(prefix + e.getKey()).shape();
            if (!Arrays.equals(want, got)) {
                shapeErrors.add(prefix + e.getKey() + " is " + Arrays.toString(got) + " but the model has " + Arrays.toString(want));
            }
        }
        if (!shapeErrors.isEmpty()) {
            throw new FormatException(file, "has different shapes than the model (the config's architecture differs "
                    + "from the checkpoint's): " + String.join("; ", shapeErrors.subList(0, Math.min(5, shapeErrors.size())))
                    + (shapeErrors.size() > 5 ? "; and " + (shapeErrors.size() - 5) + " more" : ""));
        }
        for (Map.Entry<String, Tensor> e : target.entrySet()) {
            String name = prefix + e.getKey();
            TensorChecks.require(source.get(name), Tensors.dtypeOf(e.getValue().scalar_type()), name, file);
        }
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : target.entrySet()) {
                Tensor dst = e.getValue();
                Tensor src = Tensors.fromHost(source.get(prefix + e.getKey()));
                dst.copy_(src.to(dst.device(), dst.scalar_type()));
            }
        }
    }

    /**
     * Releases the native storage of every parameter and buffer (each becomes an empty tensor) now,
     * rather than when the garbage collector finalises the module. The module is unusable afterwards.
     */
    public static void release(Module module) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Tensor t : tensors(module).values()) {
                t.set_();
            }
        }
    }

    /** Total number of parameter elements. */
    public static long parameterCount(Module module) {
        long n = 0;
        for (Tensor t : parameters(module).values()) {
            n += t.numel();
        }
        return n;
    }
}
