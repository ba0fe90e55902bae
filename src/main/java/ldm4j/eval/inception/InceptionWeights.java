package ldm4j.eval.inception;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.io.DType;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.io.Sha256;
import ldm4j.io.npz.NpzReader;
import ldm4j.nn.StateDict;

/**
 * Loads the FID Inception weights (pytorch-fid's / torch-fidelity's {@code pt_inception-2015-12-05-6726825d.pth},
 * converted once to {@code .npz} or {@code .safetensors} by {@link #CONVERT}) into a {@link FidInceptionV3},
 * strictly: every tensor present with its shape, nothing else (BatchNorm's {@code num_batches_tracked},
 * absent from the converted TensorFlow weights, is allowed either way), finite values.
 */
public final class InceptionWeights {
    /** Where users get the weights. */
    public static final String SOURCE = "pt_inception-2015-12-05-6726825d.pth from pytorch-fid's GitHub release 'fid_weights' "
            + "(the same file torch-fidelity downloads as weights-inception-2015-12-05-6726825d.pth)";
    /** The one conversion command (PyTorch and NumPy): the .pth pickle becomes a plain .npz. */
    public static final String CONVERT = "python -c \"import torch, numpy as np; sd = torch.load('pt_inception-2015-12-05-6726825d.pth', "
            + "map_location='cpu'); np.savez('inception-2015-12-05.npz', **{k: v.numpy() for k, v in sd.items()})\"";

    private InceptionWeights() {
    }

    /** A network with the weights of {@code file} and the file's SHA-256 (for reports). */
    public record Loaded(FidInceptionV3 model, String sha256, Path file) {
    }

    public static Loaded load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LdmException("--inception " + file + " does not exist: get " + SOURCE + ", then convert it once: " + CONVERT);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Map<String, HostTensor> tensors;
        if (name.endsWith(".npz")) {
            tensors = new LinkedHashMap<>();
            try (NpzReader r = NpzReader.open(file)) {
                for (String k : r.names()) {
                    tensors.put(k, r.hostTensor(k));
                }
            }
        } else if (name.endsWith(".safetensors")) {
            try (SafetensorsFile f = Safetensors.read(file)) {
                tensors = new LinkedHashMap<>();
                for (String k : f.names()) {
                    HostTensor t = f.get(k);
                    ByteBuffer copy = ByteBuffer.allocate((int) t.byteSize()).order(ByteOrder.LITTLE_ENDIAN).put(t.data());
                    tensors.put(k, new HostTensor(t.dtype(), t.shape(), copy.flip()));
                }
            } catch (IOException e) {
                throw new LdmException("cannot read --inception " + file + ": " + e.getMessage(), e);
            }
        } else {
            throw new LdmException("--inception " + file + " is not a .npz or .safetensors file: convert the PyTorch checkpoint "
                    + "once with: " + CONVERT);
        }
        FidInceptionV3 model = new FidInceptionV3();
        for (String k : StateDict.tensors(model).keySet()) {
            if (k.endsWith("num_batches_tracked") && !tensors.containsKey(k)) {
                tensors.put(k, new HostTensor(DType.I64, new long[0], ByteBuffer.allocate(8)));
            }
        }
        StateDict.load(model, tensors, "", file);
        model.train(false);
        return new Loaded(model, Sha256.of(file), file);
    }
}
