package ldm4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code --data wds:PATTERN} dataset: the shard files the brace pattern names (every one must exist) and the class
 * names from {@code classes.txt} beside the first shard (one per line, in label order; {@code bin/ldm4j shards}
 * writes it), which also bounds the labels.
 */
public record WdsData(String pattern, List<Path> shards, List<String> classes) {

    public static WdsData open(String pattern) {
        List<Path> shards = new ArrayList<>();
        for (String s : ShardPattern.expand(pattern)) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) {
                throw new DataException("shard " + p + " (from wds:" + pattern + ") does not exist: fix the pattern's "
                        + "range or write the shards with 'bin/ldm4j shards'");
            }
            shards.add(p);
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
        return new WdsData(pattern, List.copyOf(shards), List.copyOf(classes));
    }
}
