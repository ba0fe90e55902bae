package ldm4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A folder of training checkpoints: {@code step-00001234.safetensors} files plus
 * {@code last.safetensors}, the most recently saved one. Every file appears atomically, so a crash
 * leaves either the previous or the new checkpoint, never a partial one. Only the newest {@code keep}
 * step files (by step number) are kept; {@code last} always is.
 *
 * <p>One store (one process) should write to a folder at a time: opening a store deletes temporary
 * files left by interrupted writes.
 */
public final class CheckpointStore {

    public static final String LAST = "last.safetensors";
    /** Metadata key holding the step number, added by {@link #save}. */
    public static final String STEP_KEY = "step";

    private static final Pattern STEP_FILE = Pattern.compile("step-(\\d{8,19})\\.safetensors");

    private final Path dir;
    private final int keep;

    private CheckpointStore(Path dir, int keep) {
        this.dir = dir;
        this.keep = keep;
    }

    /** Opens (creating if needed) a checkpoint folder keeping the newest {@code keep >= 1} step files. */
    public static CheckpointStore open(Path dir, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        }
        Files.createDirectories(dir);
        AtomicFiles.deleteStaleTempFiles(dir);
        return new CheckpointStore(dir, keep);
    }

    public Path dir() {
        return dir;
    }

    public int keep() {
        return keep;
    }

    /** The file a checkpoint of {@code step} is saved to. */
    public Path pathFor(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        return dir.resolve(String.format("step-%08d.safetensors", step));
    }

    /** The step number in a checkpoint file name, if it is one. */
    public static OptionalLong stepOf(Path file) {
        Path name = file.getFileName();
        Matcher m = name == null ? null : STEP_FILE.matcher(name.toString());
        if (m == null || !m.matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException tooLarge) {
            return OptionalLong.empty();
        }
    }

    /**
     * Saves a checkpoint (metadata gets {@code "step"}), points {@code last.safetensors} at it and deletes
     * step files beyond the newest {@code keep} by step number. Re-saving an existing step replaces it;
     * saving a step lower than {@code keep} newer ones prunes its step file at once, but {@code last}
     * still holds it.
     *
     * @return the step file written
     */
    public Path save(long step, Map<String, HostTensor> tensors, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        Path target = pathFor(step);
        String stepValue = Long.toString(step);
        String given = metadata.get(STEP_KEY);
        if (given != null && !given.equals(stepValue)) {
            throw new IllegalArgumentException("metadata '" + STEP_KEY + "' is " + given + " but step is " + step);
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put(STEP_KEY, stepValue);
        Safetensors.write(target, tensors, meta);
        AtomicFiles.linkOrCopy(target, dir.resolve(LAST));
        prune();
        return target;
    }

    /** {@code last.safetensors}, if a checkpoint was saved. */
    public Optional<Path> last() {
        Path last = dir.resolve(LAST);
        return Files.isRegularFile(last) ? Optional.of(last) : Optional.empty();
    }

    /** A checkpoint passed over by {@link #newestIntact}, and why. */
    public record Skipped(Path file, String reason) {
    }

    /**
     * What {@code --resume} should continue from: the newest checkpoint that passes
     * {@link Checkpoints#verify} (null if none), its step, and the newer or damaged ones skipped.
     */
    public record Resumable(Path file, long step, List<Skipped> skipped) {
        public Resumable {
            skipped = List.copyOf(skipped);
        }

        public boolean found() {
            return file != null;
        }

        /**
         * One line for the user when something was skipped, e.g. {@code "checkpoints/vae/last.safetensors is
         * damaged (...); resuming from checkpoints/vae/step-00000040.safetensors (step 40)"}; empty if nothing was.
         */
        public String message() {
            if (skipped.isEmpty()) {
                return "";
            }
            StringBuilder b = new StringBuilder();
            for (Skipped s : skipped) {
                b.append(b.length() == 0 ? "" : "; ").append("skipped ").append(s.reason());
            }
            return b.append(found() ? "; resuming from " + file + " (step " + step + ")" : "; no intact checkpoint is left")
                    .toString();
        }
    }

    /**
     * The newest intact checkpoint: {@code last.safetensors} if it verifies and no newer step file
     * does, else the newest step file that verifies. Every file is checked fully (header, metadata,
     * dtypes, finiteness) with {@link Checkpoints#verify}; checkpoints are small next to a training
     * run. A crash between writing a step file and linking {@code last} leaves the step file newer
     * than {@code last}; it is preferred when intact.
     *
     * @param kind the metadata kind the checkpoints must have (e.g. {@code "vae-train"}), or null
     */
    public Resumable newestIntact(String kind) throws IOException {
        List<Skipped> skipped = new ArrayList<>();
        Path last = dir.resolve(LAST);
        long lastStep = -1;
        if (Files.exists(last)) {
            try {
                lastStep = Checkpoints.verify(last, kind);
            } catch (ldm4j.LdmException | UncheckedIOException e) {
                skipped.add(new Skipped(last, e.getMessage()));
            }
        } else if (!list().isEmpty()) {
            skipped.add(new Skipped(last, last + " is missing"));
        }
        List<Path> steps = new ArrayList<>(list());
        Collections.reverse(steps);
        for (Path f : steps) {
            long n = stepOf(f).getAsLong();
            if (n <= lastStep) {
                break;
            }
            try {
                long metaStep = Checkpoints.verify(f, kind);
                if (metaStep != n) {
                    throw new FormatException(f, "holds step " + metaStep + " but its name says " + n);
                }
                return new Resumable(f, n, skipped);
            } catch (ldm4j.LdmException | UncheckedIOException e) {
                skipped.add(new Skipped(f, e.getMessage()));
            }
        }
        return lastStep >= 0 ? new Resumable(last, lastStep, skipped) : new Resumable(null, -1, skipped);
    }

    /** Whether the folder holds any checkpoint file (intact or not): a fresh start must not overwrite it. */
    public boolean hasAny() throws IOException {
        return Files.exists(dir.resolve(LAST)) || !list().isEmpty();
    }

    /** The step files, oldest step first; temporary and unrelated files are ignored. */
    public List<Path> list() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, f -> stepOf(f).isPresent())) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        }
        out.sort(Comparator.comparingLong(f -> stepOf(f).getAsLong()));
        return out;
    }

    /** The highest saved step, if any. */
    public OptionalLong latestStep() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? OptionalLong.empty() : stepOf(all.get(all.size() - 1));
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (Path old : all.subList(0, Math.max(0, all.size() - keep))) {
            Files.deleteIfExists(old);
        }
    }

    @Override
    public String toString() {
        return "CheckpointStore[" + dir + ", keep " + keep + "]";
    }
}
