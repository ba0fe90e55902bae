package ldm4j.latents;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shards of a latent cache and which rank encodes each. Shard k of a split holds its images
 * {@code k * shardSize ..} (at most shardSize); the shards of all splits, numbered in order, go to the
 * ranks in turn (shard u to rank u mod W), so the work is balanced and each shard's content depends
 * only on its images, never on the world size. Pure.
 */
public record ShardPlan(List<String> splits, List<Shard> shards) {

    /** One shard: its split, index within the split, first image, image count and file name. */
    public record Shard(String split, int index, int from, int count) {
        public String name() {
            return String.format("%s-%04d.safetensors", split, index);
        }
    }

    /** The shards of splits of the given sizes (in the map's order). */
    public static ShardPlan of(Map<String, Integer> sizes, int shardSize) {
        List<Shard> all = new ArrayList<>();
        for (Map.Entry<String, Integer> split : sizes.entrySet()) {
            int n = split.getValue();
            for (int k = 0; (long) k * shardSize < n; k++) {
                all.add(new Shard(split.getKey(), k, k * shardSize, Math.min(shardSize, n - k * shardSize)));
            }
        }
        return new ShardPlan(List.copyOf(sizes.keySet()), List.copyOf(all));
    }

    /** The shards rank {@code rank} of {@code world} encodes. */
    public List<Shard> of(int rank, int world) {
        List<Shard> mine = new ArrayList<>();
        for (int u = rank; u < shards.size(); u += world) {
            mine.add(shards.get(u));
        }
        return mine;
    }

    /** Shard file names per split, in order (the manifest's {@code shards}). */
    public Map<String, List<String>> names() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        splits.forEach(split -> out.put(split, new ArrayList<>()));
        for (Shard s : shards) {
            out.get(s.split()).add(s.name());
        }
        return out;
    }
}
