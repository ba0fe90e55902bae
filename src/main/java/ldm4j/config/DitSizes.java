package ldm4j.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named DiT sizes (DiT's {@code DiT_models}): S, B, L and XL with patch sizes 2, 4 and 8 as in Peebles &amp;
 * Xie 2023 (Table 1), plus T, sized for a CPU (a 6-block, 192-wide transformer: about 4M parameters at
 * 16x16x4 latents). The one list of sizes: validation, {@code --help} and the README's table read it.
 */
public final class DitSizes {
    /**
     * @param depth  transformer blocks N
     * @param hidden width D
     * @param heads  attention heads (D / heads per head)
     * @param patch  patch side p: a latent of side S becomes (S/p)^2 tokens
     */
    public record Size(String name, int depth, int hidden, int heads, int patch) {
        public Size {
            if (depth < 1 || hidden < 2 || heads < 1 || hidden % heads != 0 || patch < 1 || hidden % 4 != 0) {
                throw new IllegalArgumentException("DiT size " + name + ": depth " + depth + ", hidden " + hidden + ", heads "
                        + heads + ", patch " + patch + " (hidden must be a multiple of 4 and of heads)");
            }
        }
    }

    private static final Map<String, Size> SIZES = sizes();

    private DitSizes() {
    }

    private static Map<String, Size> sizes() {
        Map<String, Size> m = new LinkedHashMap<>();
        int[][] family = {{6, 192, 3}, {12, 384, 6}, {12, 768, 12}, {24, 1024, 16}, {28, 1152, 16}}; // depth, hidden, heads
        String[] names = {"T", "S", "B", "L", "XL"};
        for (int i = 0; i < names.length; i++) {
            for (int p : new int[]{2, 4, 8}) {
                String name = "DiT-" + names[i] + "/" + p;
                m.put(name, new Size(name, family[i][0], family[i][1], family[i][2], p));
            }
        }
        return Collections.unmodifiableMap(m);
    }

    public static List<String> names() {
        return List.copyOf(SIZES.keySet());
    }

    public static Size get(String name) {
        Size s = SIZES.get(name);
        if (s == null) {
            throw new ConfigException("unet.model.dit.size = '" + name + "' is not a DiT size: expected one of "
                    + String.join(", ", names()));
        }
        return s;
    }
}
