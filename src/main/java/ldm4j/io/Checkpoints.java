package ldm4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks of training checkpoints as files, without the model: what {@code --resume} can trust
 * before it builds anything. Pure functions.
 */
public final class Checkpoints {
    private Checkpoints() {
    }

    /**
     * Checks that a file's metadata says it is an ldm4j file of the given {@code kind} (for example
     * {@code "vae"}, {@code "unet"}, {@code "classifier"}), with an error naming what the file is instead.
     *
     * @throws FormatException if it has no ldm4j metadata or is another kind of file
     */
    public static void requireKind(Path file, Map<String, String> meta, String kind) {
        String actual = meta.get("kind");
        if (!"ldm4j".equals(meta.get("format")) || actual == null) {
            throw new FormatException(file, "is not an ldm4j checkpoint (no ldm4j metadata); expected a '" + kind + "' file");
        }
        if (!actual.equals(kind)) {
            throw new FormatException(file, "is a '" + actual + "' checkpoint, but a '" + kind + "' checkpoint is needed here");
        }
    }

    /**
     * The step number in a checkpoint's metadata.
     *
     * @throws FormatException if it is missing, not a number or negative (a damaged or foreign file)
     */
    public static long step(Map<String, String> meta, Path file) {
        String s = meta.get(CheckpointStore.STEP_KEY);
        if (s == null) {
            throw new FormatException(file, "has no '" + CheckpointStore.STEP_KEY + "' in its metadata: not a training "
                    + "checkpoint of ldm4j");
        }
        long step;
        try {
            step = Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw new FormatException(file, "metadata '" + CheckpointStore.STEP_KEY + "' is '" + abbreviate(s)
                    + "', not a step number: the file is damaged; delete it to resume from an earlier checkpoint");
        }
        if (step < 0) {
            throw new FormatException(file, "metadata '" + CheckpointStore.STEP_KEY + "' is " + step
                    + ", a negative step: the file is damaged; delete it to resume from an earlier checkpoint");
        }
        return step;
    }

    /**
     * Verifies that a checkpoint can be resumed from: valid safetensors, ldm4j metadata of the given
     * {@code kind} (null: any), a numeric step, only floating-point tensors and int64 counters (what
     * ldm4j writes; float data relabelled as an integer type is refused), and no NaN or infinite value.
     *
     * @return the checkpoint's step
     * @throws FormatException what is wrong, naming the file
     * @throws UncheckedIOException if it cannot be read
     */
    public static long verify(Path file, String kind) {
        if (Files.isDirectory(file)) {
            throw new FormatException(file, "is a folder, not a checkpoint");
        }
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            if (!"ldm4j".equals(meta.get("format"))) {
                throw new FormatException(file, "is not an ldm4j checkpoint (no ldm4j metadata)");
            }
            if (kind != null && !kind.equals(meta.get("kind"))) {
                throw new FormatException(file, "is a '" + meta.get("kind") + "' file, but a '" + kind + "' checkpoint is needed");
            }
            long step = step(meta, file);
            for (Map.Entry<String, HostTensor> e : f.getAll().entrySet()) {
                HostTensor t = e.getValue();
                if (!TensorChecks.isFloating(t.dtype()) && t.dtype() != DType.I64) {
                    throw new FormatException(file, "tensor '" + e.getKey() + "' is " + t.dtype().safetensorsName()
                            + "; ldm4j writes only floating-point tensors and int64 counters: the file is damaged");
                }
                TensorChecks.requireFinite(t, e.getKey(), file);
            }
            return step;
        } catch (NoSuchFileException e) {
            throw new FormatException(file, "does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() <= 40 ? one : one.substring(0, 40) + "...";
    }
}
