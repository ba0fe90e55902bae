package ldm4j.eval.adm;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.LongConsumer;

import ldm4j.eval.inception.FidInceptionV3;
import ldm4j.io.FormatException;
import ldm4j.io.npz.NpyHeader;
import ldm4j.io.npz.NpzReader;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Inception activations of an image set, as ADM's {@code compute_activations}: pool (N, 2048), logits
 * (N, 1008) and spatial (N, 2023) features, float32, computed in batches of {@link #BATCH} (ADM's 64).
 */
public record Activations(Tensor pool, Tensor logits, Tensor spatial) {
    public static final int BATCH = 64;

    public long count() {
        return pool.size(0);
    }

    /** A source of uint8 image batches (B, 3, H, W); null when exhausted. */
    public interface Batches {
        Tensor next(int max);
    }

    public static Activations of(FidInceptionV3 model, Batches batches, LongConsumer progress) {
        TensorVector pool = new TensorVector();
        TensorVector logits = new TensorVector();
        TensorVector spatial = new TensorVector();
        try (InferenceMode mode = new InferenceMode()) {
            for (Tensor b; (b = batches.next(BATCH)) != null; ) {
                try (StepScope scope = StepScope.open()) {
                    FidInceptionV3.Features f = model.features(b);
                    pool.push_back(f.pool().clone());
                    logits.push_back(f.logits().clone());
                    spatial.push_back(f.spatial().clone());
                    progress.accept(b.size(0));
                }
            }
        }
        if (pool.size() == 0) {
            throw new IllegalArgumentException("no images");
        }
        return new Activations(torch.cat(pool), torch.cat(logits), torch.cat(spatial));
    }

    /** uint8 images (N, 3, H, W) already in memory. */
    public static Batches of(Tensor images) {
        long n = images.size(0);
        long[] at = {0};
        return max -> {
            if (at[0] >= n) {
                return null;
            }
            long b = Math.min(max, n - at[0]);
            Tensor t = images.narrow(0, at[0], b);
            at[0] += b;
            return t;
        };
    }

    /** The {@code arr_0} images (N, H, W, 3) of an ADM batch, streamed from disk. The caller closes {@code r}. */
    public static Batches of(NpzReader r, String name) {
        NpyHeader h = r.imageBatch(name);
        long[] s = h.shape();
        long row = 3 * s[1] * s[2];
        InputStream in;
        try {
            in = r.data(name);
        } catch (IOException e) {
            throw new FormatException(r.file(), "cannot read " + name + ": " + e.getMessage(), e);
        }
        DataInputStream data = new DataInputStream(in);
        long[] at = {0};
        return max -> {
            if (at[0] >= s[0]) {
                return null;
            }
            int b = (int) Math.min(max, s[0] - at[0]);
            byte[] bytes = new byte[Math.toIntExact(b * row)];
            try {
                data.readFully(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(r.file() + ": " + name + " ends early or is unreadable: " + e.getMessage(), e);
            }
            at[0] += b;
            return Tensors.fromBytes(bytes, b, s[1], s[2], 3).permute(0, 3, 1, 2).contiguous();   // (b, 3, H, W)
        };
    }
}
