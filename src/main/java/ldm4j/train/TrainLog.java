package ldm4j.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.io.tensorboard.TensorBoardWriter;
import ldm4j.torch.ImageGrid;

/**
 * Where a training stage reports: {@code metrics.jsonl}, TensorBoard scalars and images under
 * {@code <run>/tb/<stage>}, and PNGs under {@code <run>/images}. Scalars go to TensorBoard as
 * {@code <event>/<name>}.
 */
public final class TrainLog implements AutoCloseable {
    private final Path imagesDir;
    private final MetricsLog metrics;
    private final TensorBoardWriter tb;

    /** The log of {@code stage} in a run folder: its metrics.jsonl, tb/STAGE and images/. */
    public TrainLog(RunDir run, String stage) {
        this(run.metricsFile(), run.tensorBoardDir().resolve(stage), run.imagesDir());
    }

    private TrainLog() {
        this.imagesDir = null;
        this.metrics = null;
        this.tb = null;
    }

    /** A log that writes nothing (the ranks other than 0 of a data-parallel job). */
    public static TrainLog discarding() {
        return new TrainLog();
    }

    public TrainLog(Path metricsFile, Path tensorBoardDir, Path imagesDir) {
        this.imagesDir = imagesDir;
        this.metrics = new MetricsLog(metricsFile);
        try {
            this.tb = new TensorBoardWriter(tensorBoardDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create TensorBoard log in " + tensorBoardDir + ": " + e.getMessage(), e);
        }
    }

    /** Logs numbers (and strings, to metrics.jsonl only) for one event at one step. */
    public void scalars(String event, long step, Map<String, ?> values) {
        if (metrics == null) {
            return;
        }
        metrics.log(event, step, values);
        Map<String, Number> numbers = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            if (e.getValue() instanceof Number n && Double.isFinite(n.doubleValue())) {
                numbers.put(event + "/" + e.getKey(), n);
            }
        }
        try {
            tb.addScalars(numbers, step);
            tb.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write TensorBoard log: " + e.getMessage(), e);
        }
    }

    /** Marks a resume from {@code checkpoint} at {@code step} in metrics.jsonl (readers keep the last row per step). */
    public void resume(long step, Path checkpoint) {
        if (metrics != null) {
            metrics.resume(step, checkpoint);
        }
    }

    /** Writes {@code <run>/images/<name>.png} and the same picture to TensorBoard under {@code tag}. */
    public Path image(String tag, String name, BufferedImage image, long step) {
        if (metrics == null) {
            return null;
        }
        Path file = imagesDir.resolve(name + ".png");
        ImageGrid.writePng(image, file);
        try {
            tb.addImage(tag, image, step);
            tb.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write TensorBoard image: " + e.getMessage(), e);
        }
        return file;
    }

    public Path imagesDir() {
        return imagesDir;
    }

    @Override
    public void close() {
        if (metrics == null) {
            return;
        }
        metrics.close();
        try {
            tb.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
