package ldm4j.data;

import java.util.List;

/** Images {@code from .. from + size - 1} of another dataset, in order (one shard of a split). */
public record ImageRange(ImageDataset parent, int from, int size) implements ImageDataset {
    public ImageRange {
        if (from < 0 || size < 1 || from + size > parent.size()) {
            throw new DataException(parent.source() + " has " + parent.size() + " images; images " + from + ".."
                    + (from + size - 1) + " are out of range");
        }
    }

    @Override
    public String source() {
        return parent.source() + " (images " + from + ".." + (from + size - 1) + ")";
    }

    @Override
    public List<String> classes() {
        return parent.classes();
    }

    @Override
    public int label(int i) {
        return parent.label(from + i);
    }

    @Override
    public RawImage load(int i) {
        return parent.load(from + i);
    }
}
