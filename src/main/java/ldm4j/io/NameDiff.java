package ldm4j.io;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The difference between the tensor names a file (or state dict) has and the names a model expects.
 * {@link #toString()} reads e.g. {@code missing: a.b, unexpected: c.d}, listing at most
 * {@value #MAX_LISTED} names of each kind.
 */
public record NameDiff(List<String> missing, List<String> unexpected) {

    public static final int MAX_LISTED = 20;

    public NameDiff {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
    }

    /** Names in {@code expected} but not in {@code actual} and vice versa, each sorted. */
    public static NameDiff of(Collection<String> actual, Collection<String> expected) {
        Set<String> have = new HashSet<>(actual);
        Set<String> want = new HashSet<>(expected);
        Set<String> missing = new TreeSet<>(want);
        missing.removeAll(have);
        Set<String> unexpected = new TreeSet<>(have);
        unexpected.removeAll(want);
        return new NameDiff(new ArrayList<>(missing), new ArrayList<>(unexpected));
    }

    public boolean isEmpty() {
        return missing.isEmpty() && unexpected.isEmpty();
    }

    @Override
    public String toString() {
        if (isEmpty()) {
            return "names match";
        }
        StringBuilder sb = new StringBuilder();
        append(sb, "missing", missing);
        append(sb, "unexpected", unexpected);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String label, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        if (sb.length() > 0) {
            sb.append(", ");
        }
        sb.append(label).append(": ");
        sb.append(String.join(", ", names.subList(0, Math.min(names.size(), MAX_LISTED))));
        if (names.size() > MAX_LISTED) {
            sb.append(" (and ").append(names.size() - MAX_LISTED).append(" more)");
        }
    }
}
