package ldm4j.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Brace expansion of a shard pattern, as WebDataset (braceexpand) does: {@code train-{000000..001281}.tar}
 * (a range; the width of the first bound is kept, so zero padding stays), {@code {a,b}} (a list), several braces
 * multiply. At most {@value #MAX} names.
 */
public final class ShardPattern {
    public static final int MAX = 1_000_000;

    private ShardPattern() {
    }

    public static List<String> expand(String pattern) {
        List<String> out = new ArrayList<>();
        expand(pattern, "", out, pattern);
        return out;
    }

    private static void expand(String rest, String prefix, List<String> out, String whole) {
        int open = rest.indexOf('{');
        if (open < 0) {
            if (rest.indexOf('}') >= 0) {
                throw bad(whole, "a '}' without '{'");
            }
            if (out.size() >= MAX) {
                throw bad(whole, "more than " + MAX + " shards");
            }
            out.add(prefix + rest);
            return;
        }
        int close = rest.indexOf('}', open);
        if (close < 0) {
            throw bad(whole, "a '{' without '}'");
        }
        String head = prefix + rest.substring(0, open);
        if (head.indexOf('}') >= 0) {
            throw bad(whole, "a '}' without '{'");
        }
        String body = rest.substring(open + 1, close);
        String tail = rest.substring(close + 1);
        for (String alt : alternatives(body, whole)) {
            expand(tail, head + alt, out, whole);
        }
    }

    private static List<String> alternatives(String body, String whole) {
        List<String> alts = new ArrayList<>();
        int dots = body.indexOf("..");
        if (dots >= 0 && body.indexOf(',') < 0) {
            String a = body.substring(0, dots);
            String b = body.substring(dots + 2);
            if (!a.matches("\\d{1,9}") || !b.matches("\\d{1,9}")) {
                throw bad(whole, "range {" + body + "} needs two non-negative integers such as {000000..000099}");
            }
            long from = Long.parseLong(a);
            long to = Long.parseLong(b);
            if (to < from) {
                throw bad(whole, "range {" + body + "} runs backwards");
            }
            if (to - from + 1 > MAX) {
                throw bad(whole, "more than " + MAX + " shards");
            }
            String format = "%0" + a.length() + "d";
            for (long i = from; i <= to; i++) {
                alts.add(String.format(format, i));
            }
            return alts;
        }
        for (String s : body.split(",", -1)) {
            alts.add(s);
        }
        return alts;
    }

    private static DataException bad(String pattern, String why) {
        return new DataException("shard pattern '" + pattern + "' has " + why + ": write e.g. train-{000000..001281}.tar "
                + "or train-{000000,000007}.tar");
    }
}
