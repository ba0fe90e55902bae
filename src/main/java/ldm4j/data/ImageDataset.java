package ldm4j.data;

import java.util.List;

/** One split of a labelled image dataset. Implementations are immutable and safe to read from many threads. */
public interface ImageDataset {

    /** Human-readable source, e.g. "cifar10:/data/cifar-10-batches-bin (train)". */
    String source();

    /** Class names in label order. */
    List<String> classes();

    int size();

    /** Class index of image {@code i}, in [0, classes().size()). */
    int label(int i);

    /** Decodes image {@code i}; a DataException names the file on failure. */
    RawImage load(int i);

    /** Images per class, in label order. */
    default int[] countsPerClass() {
        int[] counts = new int[classes().size()];
        for (int i = 0; i < size(); i++) {
            counts[label(i)]++;
        }
        return counts;
    }
}
