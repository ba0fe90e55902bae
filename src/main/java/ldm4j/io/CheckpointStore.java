package ldm4j.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
