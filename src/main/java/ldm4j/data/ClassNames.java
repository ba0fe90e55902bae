package ldm4j.data;

import java.util.ArrayList;
import java.util.List;

import ldm4j.LdmException;

/**
 * Finds a class given by the user ({@code --class}): its full name ("tench (n01440764)"), its index ("0"), or
 * for names of the form {@code "NAME (ID)"} the NAME ("tench") or the ID ("n01440764"). A NAME shared by two
 * classes is an error that lists both.
 */
public final class ClassNames {
    private ClassNames() {
    }

    public static int indexOf(List<String> classes, String query) {
        String q = query.trim();
        int exact = classes.indexOf(q);
        if (exact >= 0) {
            return exact;
        }
        if (!q.isEmpty() && q.chars().allMatch(Character::isDigit) && q.length() < 10) {
            int k = Integer.parseInt(q);
            if (k < classes.size()) {
                return k;
            }
        }
        List<Integer> hits = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) {
            String c = classes.get(i);
            int open = c.lastIndexOf(" (");
            if (open > 0 && c.endsWith(")")
                    && (c.substring(0, open).equalsIgnoreCase(q) || c.substring(open + 2, c.length() - 1).equals(q))) {
                hits.add(i);
            }
        }
        if (hits.size() == 1) {
            return hits.get(0);
        }
        if (hits.size() > 1) {
            List<String> names = hits.stream().map(classes::get).toList();
            throw new LdmException("class '" + query + "' is ambiguous: it names " + String.join(" and ", names)
                    + ": give the ID in parentheses or the index");
        }
        String shown = classes.size() <= 20 ? String.join(", ", classes)
                : String.join(", ", classes.subList(0, 10)) + ", ... (" + classes.size() + " classes)";
        throw new LdmException("unknown class '" + query + "': expected one of " + shown + " (a name, an ID in "
                + "parentheses such as n01440764, or an index 0.." + (classes.size() - 1) + ")");
    }
}
