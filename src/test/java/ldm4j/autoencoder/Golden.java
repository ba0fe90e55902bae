package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import ldm4j.io.SafetensorsFile;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Compares Java tensors with reference tensors from a fixture, relative to max |reference|. */
public final class Golden {
    static final double TOLERANCE = 1e-4;

    private final SafetensorsFile file;
    private final Map<String, Double> errors = new TreeMap<>();

    public Golden(SafetensorsFile file) {
        this.file = file;
    }

    public Tensor tensor(String name) {
        return Tensors.fromHost(file.get(name));
    }

    /** Checks shape and max |actual - ref| / max |ref| < TOLERANCE; returns the relative error. */
    public double check(String name, Tensor actual) {
        float[] ref = file.get(name).toFloats();
        assertArrayEquals(file.info(name).shape(), Tensors.shape(actual), name + " shape");
        return check(name, ref, Tensors.toFloats(actual));
    }

    public double check(String name, double actual) {
        return check(name, file.get(name).toFloats(), new float[]{(float) actual});
    }

    private double check(String name, float[] ref, float[] got) {
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs((double) ref[i] - got[i]));
        }
        double rel = maxDiff / Math.max(maxRef, 1e-12);
        errors.put(name, rel);
        assertTrue(rel < TOLERANCE, name + ": relative error " + rel + " (max |ref| " + maxRef + ", first values ref "
                + Arrays.toString(Arrays.copyOf(ref, Math.min(4, ref.length))) + " got "
                + Arrays.toString(Arrays.copyOf(got, Math.min(4, got.length))) + ")");
        return rel;
    }

    /** Largest relative error so far, with its tensor's name. */
    public String worst() {
        return errors.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> String.format("%.3g (%s), %d tensors compared", e.getValue(), e.getKey(), errors.size()))
                .orElse("nothing compared");
    }
}
