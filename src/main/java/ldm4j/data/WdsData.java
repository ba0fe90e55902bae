package ldm4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@code --data wds:PATTERN[,test=TEST_PATTERN]} dataset: the training shard files the brace pattern names (every
 * one must exist), the test shards, and the class names from {@code classes.txt} beside the first shard (one per
 * line, in label order; {@code bin/ldm4j shards} writes it), which also bounds the labels.
 * <p>
 * The test split is {@code TEST_PATTERN} when given; otherwise, when the training shards are named as
 * {@code bin/ldm4j shards} names them ({@code train-NNNNNN.tar}), the {@code test-NNNNNN.tar} shards in the same
 * folder (none: no test split).
 *
 * @param pattern     the training pattern
 * @param testShards  the test shards, in name order (empty: no test split)
 */
public record WdsData(String pattern, List<Path> shards, List<String> classes, List<Path> testShards) {
    private static final String TEST = ",test=";
    private static final Pattern WRITTEN = Pattern.compile("train-(\\d+)\\.tar");
    private static final Pattern WRITTEN_TEST = Pattern.compile("test-(\\d+)\\.tar");

    /** Opens {@code TRAIN_PATTERN[,test=TEST_PATTERN]} (the text after {@code wds:}). */
    public static WdsData open(String spec) {
        int cut = testSeparator(spec);
        String pattern = cut < 0 ? spec : spec.substring(0, cut);
        List<Path> shards = existing(pattern, spec);
        List<Path> test;
        if (cut >= 0) {
            String testPattern = spec.substring(cut + TEST.length());
            if (testPattern.isBlank()) {
                throw new DataException("--data wds:" + spec + " has an empty test pattern: write wds:TRAIN_PATTERN,"
                        + "test=TEST_PATTERN, e.g. wds:d/train-{000000..000009}.tar,test=d/test-{000000..000001}.tar");
            }
            test = existing(testPattern, spec);
        } else {
            test = writtenTestShards(shards.get(0));
        }
        Path dir = shards.get(0).toAbsolutePath().getParent();
        Path names = dir.resolve("classes.txt");
        if (!Files.isRegularFile(names)) {
            throw new DataException(names + " is missing: wds data needs the class names beside its shards, one per line "
                    + "in label order ('bin/ldm4j shards' writes it)");
        }
        List<String> classes = new ArrayList<>();
        try {
            if (Files.size(names) > (16 << 20)) {
                throw new DataException(names + " is larger than 16 MB: it must hold one class name per line");
            }
            for (String line : Files.readAllLines(names, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    classes.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new DataException("cannot read " + names + ": " + e.getMessage(), e);
        }
        if (classes.isEmpty() || classes.size() > Short.MAX_VALUE) {
            throw new DataException(names + " has " + classes.size() + " class names: expected 1.." + Short.MAX_VALUE);
        }
        return new WdsData(pattern, List.copyOf(shards), List.copyOf(classes), List.copyOf(test));
    }

    /** Where {@code ,test=} starts outside braces, or -1. */
    static int testSeparator(String spec) {
        int depth = 0;
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (depth == 0 && spec.startsWith(TEST, i)) {
                return i;
            }
        }
        return -1;
    }

    private static List<Path> existing(String pattern, String spec) {
        List<Path> shards = new ArrayList<>();
        for (String s : ShardPattern.expand(pattern)) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) {
                throw new DataException("shard " + p + " (from wds:" + spec + ") does not exist: fix the pattern's "
                        + "range or write the shards with 'bin/ldm4j shards'");
            }
            shards.add(p);
        }
        return shards;
    }

    /** The {@code test-NNNNNN.tar} shards beside a {@code train-NNNNNN.tar} shard, in name order. */
    private static List<Path> writtenTestShards(Path firstTrain) {
        if (!WRITTEN.matcher(firstTrain.getFileName().toString()).matches()) {
            return List.of();
        }
        Path dir = firstTrain.toAbsolutePath().getParent();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> WRITTEN_TEST.matcher(p.getFileName().toString()).matches())
                    .filter(Files::isRegularFile)
                    .map(p -> firstTrain.resolveSibling(p.getFileName()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + " for its test-NNNNNN.tar shards: " + e.getMessage(), e);
        }
    }

    /** The splits, indexed ({@link ShardImages}): train, and test when there are test shards. */
    public Splits splits(String spec, ImageDecoder decoder) {
        ShardImages train = ShardImages.index(spec + " (train shards)", shards, classes, decoder);
        Optional<ImageDataset> test = testShards.isEmpty() ? Optional.empty()
                : Optional.of(ShardImages.index(spec + " (test shards)", testShards, classes, decoder));
        return new Splits(spec, train, test);
    }
}
