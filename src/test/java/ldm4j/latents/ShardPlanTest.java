package ldm4j.latents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The shards of a cache and their ranks: every shard once, in turn, whatever the world size. */
class ShardPlanTest {
    @Test
    void everyShardGoesToExactlyOneRankInTurn() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("train", 24);
        sizes.put("test", 7);
        ShardPlan plan = ShardPlan.of(sizes, 5);
        assertEquals(List.of(5, 5, 5, 5, 4, 5, 2), plan.shards().stream().map(ShardPlan.Shard::count).toList());
        assertEquals("test-0001.safetensors", plan.shards().get(6).name());
        assertEquals(20, plan.shards().get(4).from());
        assertEquals(List.of("train-0000.safetensors", "train-0001.safetensors", "train-0002.safetensors",
                "train-0003.safetensors", "train-0004.safetensors"), plan.names().get("train"));
        for (int world : new int[]{1, 2, 3, 8}) {
            List<ShardPlan.Shard> all = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                all.addAll(plan.of(r, world));
            }
            assertEquals(plan.shards().size(), all.size(), "world " + world);
            assertEquals(new HashSet<>(plan.shards()), new HashSet<>(all), "world " + world);
        }
        assertEquals(List.of(plan.shards().get(1), plan.shards().get(4)), plan.of(1, 3));
        assertEquals(List.of(), plan.of(7, 8), "more ranks than shards: the last ranks only wait");
    }

    @Test
    void anEmptySplitKeepsItsEntry() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("train", 3);
        sizes.put("test", 0);
        ShardPlan plan = ShardPlan.of(sizes, 10);
        assertEquals(List.of(), plan.names().get("test"));
        assertEquals(1, plan.shards().size());
    }
}
