package ldm4j.data;

import java.util.List;

/**
 * {@code size} evenly spaced images of another dataset (image i is the parent's {@code i * n / size}), so a
 * class-sorted folder keeps every class. For smoke runs and tests.
 */
public record Subset(ImageDataset parent, int size) implements ImageDataset {
    public Subset {
        if (size < 1 || size > parent.size()) {
            throw new DataException(parent.source() + " has " + parent.size() + " images; a subset of " + size
                    + " is out of range: choose 1.." + parent.size());
        }
    }

    public static Subset spaced(ImageDataset parent, int size) {
        return new Subset(parent, size);
    }

    private int parentIndex(int i) {
        return (int) ((long) i * parent.size() / size);
    }

    @Override
    public String source() {
        return parent.source() + " (" + size + " evenly spaced)";
    }

    @Override
    public List<String> classes() {
        return parent.classes();
    }

    @Override
    public int label(int i) {
        return parent.label(parentIndex(i));
    }

    @Override
    public RawImage load(int i) {
        return parent.load(parentIndex(i));
    }
}
