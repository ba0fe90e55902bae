package ldm4j.data;

import java.util.List;

/** Facts about the official CIFAR-10 release. */
public final class Cifar10 {
    private Cifar10() {
    }

    /** Class names in the official index order. */
    public static final List<String> CLASSES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    public static final String TARBALL = "cifar-10-binary.tar.gz";
    public static final String FOLDER = "cifar-10-batches-bin";
    public static final String URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    public static final String MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

    public static final List<String> TRAIN_FILES = List.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final String TEST_FILE = "test_batch.bin";

    public static final int SIDE = 32;
    /** One record: a label byte, then 1024 red, 1024 green and 1024 blue bytes (row-major planes). */
    public static final int RECORD_BYTES = 1 + 3 * SIDE * SIDE;
    public static final int RECORDS_PER_BATCH = 10_000;
    public static final int BATCH_BYTES = RECORD_BYTES * RECORDS_PER_BATCH;
}
