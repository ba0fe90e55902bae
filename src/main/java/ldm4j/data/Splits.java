package ldm4j.data;

import java.util.List;
import java.util.Optional;

/**
 * The splits of a dataset. {@code test} is absent for a single-split image folder.
 */
public record Splits(String spec, ImageDataset train, Optional<ImageDataset> test) {

    public List<String> classes() {
        return train.classes();
    }

    /** The test split, or an error that says the dataset has none. */
    public ImageDataset requireTest() {
        return test.orElseThrow(() -> new DataException(spec + " has no test split: use a folder with train/<class>/ and "
                + "test/<class>/ subfolders (or CIFAR-10) for evaluation"));
    }
}
