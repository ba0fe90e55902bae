package ldm4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The 1,000 ILSVRC2012 classes (resource {@code imagenet1k_classes.tsv}, written by
 * scripts/make_imagenet_classes.py from the devkit's table and the synset names): WordNet IDs in sorted order
 * (class index = position, torchvision's and ADM's convention), the devkit's ILSVRC2012_ID of each (the
 * {@code meta.mat} order that {@code ILSVRC2012_validation_ground_truth.txt} uses: ID 1 is n02119789, kit fox,
 * while sorted index 0 is n01440764, tench) and human names.
 */
public final class ImagenetClasses {
    public static final int COUNT = 1000;
    private static final String RESOURCE = "/ldm4j/data/imagenet1k_classes.tsv";

    private final String[] wnids = new String[COUNT];          // sorted
    private final String[] names = new String[COUNT];          // "tench, Tinca tinca"
    private final String[] byDevkitId = new String[COUNT + 1]; // [1..1000]
    private final Map<String, Integer> index = new HashMap<>();

    private ImagenetClasses() {
        try (InputStream in = ImagenetClasses.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int i = 0;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\t", 4);
                wnids[i] = f[1];
                byDevkitId[Integer.parseInt(f[2])] = f[1];
                names[i] = f[3];
                index.put(f[1], i);
                i++;
            }
            if (i != COUNT) {
                throw new IllegalStateException(RESOURCE + " has " + i + " rows, not " + COUNT);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    private static final class Holder {
        static final ImagenetClasses TABLE = new ImagenetClasses();
    }

    /** The table (read once from the jar; immutable). */
    public static ImagenetClasses get() {
        return Holder.TABLE;
    }

    /** Whether {@code wnid} is one of the 1,000 ILSVRC2012 classes. */
    public boolean contains(String wnid) {
        return index.containsKey(wnid);
    }

    /** The position of {@code wnid} among the 1,000 sorted WNIDs (its class index in the full dataset). */
    public int sortedIndex(String wnid) {
        Integer i = index.get(wnid);
        if (i == null) {
            throw new DataException(wnid + " is not one of the 1,000 ILSVRC2012 classes");
        }
        return i;
    }

    /** The WNID of the devkit's ILSVRC2012_ID {@code id} (1..1000, meta.mat order). */
    public String wnidOfDevkitId(int id) {
        if (id < 1 || id > COUNT) {
            throw new DataException("ILSVRC2012_ID " + id + " is outside 1..1000");
        }
        return byDevkitId[id];
    }

    /** The WNID at sorted index {@code i}. */
    public String wnid(int i) {
        return wnids[i];
    }

    /** The first human name of {@code wnid}: "tench". */
    public String shortName(String wnid) {
        String n = names[sortedIndex(wnid)];
        int comma = n.indexOf(',');
        return comma < 0 ? n : n.substring(0, comma);
    }

    /** The class name ldm4j uses for {@code wnid}: "tench (n01440764)" (human name first, the WNID kept). */
    public String displayName(String wnid) {
        return shortName(wnid) + " (" + wnid + ")";
    }

    /** Display names of WNIDs, in their order. */
    public List<String> displayNames(List<String> wnidList) {
        List<String> out = new ArrayList<>(wnidList.size());
        for (String w : wnidList) {
            out.add(displayName(w));
        }
        return out;
    }
}
