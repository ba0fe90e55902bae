package ldm4j.autoencoder;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.io.TensorChecks;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-channel statistics of VAE posterior samples over the training set, stored with the VAE and
 * applied by every later stage: {@code z_n = (z - mean) / std}. This replaces the magic
 * "scale factor" constant (0.18215) that other codebases hard-code.
 */
public record LatentNormalizer(float[] mean, float[] std) {

    public LatentNormalizer {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std need the same, non-zero length");
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("latent mean must be finite, got " + Arrays.toString(mean));
            }
        }
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("latent std must be positive and finite, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    public static LatentNormalizer identity(int channels) {
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        return new LatentNormalizer(new float[channels], ones);
    }

    public int channels() {
        return mean.length;
    }

    /** (B, C, H, W) raw latents to normalised latents. */
    public Tensor normalize(Tensor z) {
        return z.sub(view(mean, z)).div(view(std, z));
    }

    /** (B, C, H, W) normalised latents back to the VAE's scale. */
    public Tensor denormalize(Tensor zn) {
        return zn.mul(view(std, zn)).add(view(mean, zn));
    }

    private static Tensor view(float[] v, Tensor like) {
        return Tensors.fromFloats(v, 1, v.length, 1, 1).to(like.device(), like.scalar_type());
    }

    public Map<String, HostTensor> toHost() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("latent_norm.mean", HostTensor.ofFloats(mean, mean.length));
        m.put("latent_norm.std", HostTensor.ofFloats(std, std.length));
        return m;
    }

    public static LatentNormalizer fromHost(Map<String, HostTensor> m, Path file) {
        HostTensor mean = m.get("latent_norm.mean");
        HostTensor std = m.get("latent_norm.std");
        if (mean == null || std == null) {
            throw new FormatException(file, "has no latent_norm.mean / latent_norm.std: not a finished VAE "
                    + "(train-vae writes them at the end of training; a training checkpoint is not a VAE file)");
        }
        if (!TensorChecks.isFloating(mean.dtype()) || !TensorChecks.isFloating(std.dtype())) {
            throw new FormatException(file, "latent_norm.mean / latent_norm.std are " + mean.dtype().safetensorsName() + " / "
                    + std.dtype().safetensorsName() + ", not floating-point: the file is damaged");
        }
        try {
            return new LatentNormalizer(mean.toFloats(), std.toFloats());
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, "invalid latent normaliser: " + e.getMessage());
        }
    }
}
