package ldm4j.io.tensorboard;

import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a TensorBoard event file ({@code events.out.tfevents.*}) in pure Java.
 *
 * <p>View the logs with {@code tensorboard --logdir <logDir>} (TensorBoard picks up every file whose
 * name contains {@code tfevents}). The file starts with a {@code file_version = "brain.Event:2"}
 * event; each {@code add*} call appends one event framed as a TFRecord. Data is buffered: call
 * {@link #flush()} periodically (e.g. every few hundred steps) so a running TensorBoard sees it, and
 * {@link #close()} at the end.
 *
 * <p>All methods are {@code synchronized}, so a training loop and an image logger may share one
 * writer. Wall times come from the supplied {@link Clock}, read once per event.
 */
public final class TensorBoardWriter implements Closeable {

    /** Value of {@code Event.file_version} in the first record. */
    public static final String FILE_VERSION = "brain.Event:2";
    /** Prefix of default event file names; TensorBoard requires "tfevents" in the name. */
    public static final String FILE_NAME_PREFIX = "events.out.tfevents.";

    private static final String REQUIRED_NAME_PART = "tfevents";
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int MAX_NAME_ATTEMPTS = 1000;

    private final Path file;
    private final Clock clock;
    private final PngEncoder pngEncoder;
    private final TfRecordWriter records;
    private boolean closed;

    /** Creates {@code logDir} if needed and opens a new event file named after the current time and host. */
    public TensorBoardWriter(Path logDir) throws IOException {
        this(logDir, Clock.systemUTC());
    }

    /** As {@link #TensorBoardWriter(Path)}, taking wall times (and the file-name timestamp) from {@code clock}. */
    public TensorBoardWriter(Path logDir, Clock clock) throws IOException {
        this(logDir, null, clock, PngEncoder.standard());
    }

    /**
     * Opens a new event file with an explicit name (useful for deterministic output).
     *
     * @param fileName a plain file name containing "tfevents"; the file must not already exist
     * @throws FileAlreadyExistsException if {@code logDir/fileName} exists
     */
    public TensorBoardWriter(Path logDir, String fileName, Clock clock) throws IOException {
        this(logDir, Objects.requireNonNull(fileName, "fileName"), clock, PngEncoder.standard());
    }

    /** Test hook: {@code fileName == null} selects the default name. */
    TensorBoardWriter(Path logDir, String fileName, Clock clock, PngEncoder pngEncoder) throws IOException {
        Objects.requireNonNull(logDir, "logDir");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pngEncoder = Objects.requireNonNull(pngEncoder, "pngEncoder");
        Files.createDirectories(logDir);
        Instant now = clock.instant();
        OutputStream stream;
        if (fileName != null) {
            this.file = logDir.resolve(requireFileName(fileName));
            stream = openNew(file);
        } else {
            String base = defaultFileName(now, hostName());
            Path candidate = logDir.resolve(base);
            OutputStream opened = null;
            for (int attempt = 1; opened == null; attempt++) {
                try {
                    opened = openNew(candidate);
                } catch (FileAlreadyExistsException e) {
                    if (attempt >= MAX_NAME_ATTEMPTS) {
                        throw e;
                    }
                    candidate = logDir.resolve(base + "." + attempt);
                }
            }
            this.file = candidate;
            stream = opened;
        }
        this.records = new TfRecordWriter(new BufferedOutputStream(stream, BUFFER_BYTES));
        try {
            records.write(EventEncoder.fileVersion(wallTime(now), 0, FILE_VERSION));
        } catch (IOException | RuntimeException e) {
            try {
                records.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Default event file name: {@code events.out.tfevents.<unix-seconds>.<hostname>}. */
    static String defaultFileName(Instant now, String hostName) {
        return FILE_NAME_PREFIX + now.getEpochSecond() + "." + hostName;
    }

    /** The event file being written. */
    public Path file() {
        return file;
    }

    /** Logs one scalar (stored as a 32-bit float, like every TensorBoard scalar). */
    public synchronized void addScalar(String tag, double value, long step) throws IOException {
        Map<String, Float> values = new LinkedHashMap<>();
        values.put(requireTag(tag), (float) value);
        writeEvent(EventEncoder.scalars(now(), requireStep(step), values));
    }

    /**
     * Logs several scalars as one event (one summary with a value per entry, in the map's iteration
     * order; use a {@link LinkedHashMap} or {@link java.util.TreeMap} for a stable order). Each key is
     * its own tag, unlike PyTorch's {@code add_scalars}, which writes a sub-run per key. An empty map
     * writes nothing.
     */
    public synchronized void addScalars(Map<String, ? extends Number> scalars, long step) throws IOException {
        Objects.requireNonNull(scalars, "scalars");
        requireStep(step);
        if (scalars.isEmpty()) {
            ensureOpen();
            return;
        }
        Map<String, Float> values = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Number> entry : scalars.entrySet()) {
            String tag = requireTag(entry.getKey());
            Number value = entry.getValue();
            if (value == null) {
                throw new IllegalArgumentException("scalar value for tag '" + tag + "' is null");
            }
            values.put(tag, value.floatValue());
        }
        writeEvent(EventEncoder.scalars(now(), step, values));
    }

    /**
     * Logs an image, PNG-encoded. Images with an alpha channel are written as RGBA (colorspace 4),
     * all others as RGB (colorspace 3); other pixel layouts (grey, indexed, BGR, ...) are converted.
     */
    public synchronized void addImage(String tag, BufferedImage image, long step) throws IOException {
        requireTag(tag);
        Objects.requireNonNull(image, "image");
        requireStep(step);
        ensureOpen();
        boolean alpha = image.getColorModel().hasAlpha();
        BufferedImage normalized = toIntRgb(image, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        byte[] png = pngEncoder.encode(normalized);
        int colorspace = alpha ? EventEncoder.COLORSPACE_RGBA : EventEncoder.COLORSPACE_RGB;
        writeEvent(EventEncoder.image(now(), step, tag, image.getHeight(), image.getWidth(), colorspace, png));
    }

    /** Pushes buffered events to the operating system so TensorBoard can read them. */
    public synchronized void flush() throws IOException {
        ensureOpen();
        records.flush();
    }

    /** Flushes and closes the file. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        records.close();
    }

    private void writeEvent(byte[] event) throws IOException {
        ensureOpen();
        records.write(event);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("TensorBoardWriter is closed: " + file);
        }
    }

    private double now() {
        return wallTime(clock.instant());
    }

    private static double wallTime(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1e9;
    }

    private static BufferedImage toIntRgb(BufferedImage image, int type) {
        if (image.getType() == type) {
            return image;
        }
        int width = image.getWidth();
        int height = image.getHeight();
        BufferedImage converted = new BufferedImage(width, height, type);
        converted.setRGB(0, 0, width, height, image.getRGB(0, 0, width, height, null, 0, width), 0, width);
        return converted;
    }

    private static OutputStream openNew(Path path) throws IOException {
        return Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    private static String hostName() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException | SecurityException e) {
            return "localhost";
        }
        if (name == null || name.isBlank()) {
            return "localhost";
        }
        // Keep the name a single, portable path segment.
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String requireFileName(String fileName) {
        if (fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\")
                || fileName.equals(".") || fileName.equals("..")) {
            throw new IllegalArgumentException("fileName must be a plain file name, got '" + fileName + "'");
        }
        if (!fileName.contains(REQUIRED_NAME_PART)) {
            throw new IllegalArgumentException(
                    "fileName must contain '" + REQUIRED_NAME_PART + "' or TensorBoard will ignore it: '"
                            + fileName + "'");
        }
        return fileName;
    }

    private static String requireTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        if (tag.isBlank()) {
            throw new IllegalArgumentException("tag must not be blank");
        }
        return tag;
    }

    private static long requireStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        return step;
    }
}
