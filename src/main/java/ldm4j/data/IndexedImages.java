package ldm4j.data;

import java.nio.file.Path;
import java.util.List;

/** A split listed in a {@link FileIndex} with one label per file (compact enough for ImageNet's 1.28M files). */
public final class IndexedImages implements ImageDataset {
    private final String source;
    private final List<String> classes;
    private final FileIndex files;
    private final short[] labels;
    private final ImageDecoder decoder;

    public IndexedImages(String source, List<String> classes, FileIndex files, short[] labels, ImageDecoder decoder) {
        if (files.size() != labels.length) {
            throw new IllegalArgumentException(files.size() + " files but " + labels.length + " labels");
        }
        if (classes.size() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("at most " + Short.MAX_VALUE + " classes");
        }
        this.source = source;
        this.classes = List.copyOf(classes);
        this.files = files;
        this.labels = labels;
        this.decoder = decoder;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    public Path file(int i) {
        return files.path(i);
    }

    @Override
    public RawImage load(int i) {
        return decoder.decode(files.path(i));
    }

    /** Bytes of heap the listing and labels take. */
    public long indexBytes() {
        return files.heapBytes() + 2L * labels.length;
    }
}
