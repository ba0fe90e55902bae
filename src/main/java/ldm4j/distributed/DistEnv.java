package ldm4j.distributed;

import java.util.Map;

import ldm4j.LdmException;

/**
 * Where this process sits in a data-parallel job, read from the environment that torchrun, Slurm
 * wrappers and Kubernetes operators set: {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK},
 * {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}. Without {@code WORLD_SIZE} (or
 * with 1) the process trains alone.
 */
public record DistEnv(int rank, int worldSize, int localRank, int localWorldSize, String masterAddr, int masterPort) {
    public DistEnv {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new LdmException("RANK = " + rank + " and WORLD_SIZE = " + worldSize + " are inconsistent: expected "
                    + "WORLD_SIZE >= 1 and 0 <= RANK < WORLD_SIZE");
        }
        if (localRank < 0 || localWorldSize < 1 || localRank >= localWorldSize) {
            throw new LdmException("LOCAL_RANK = " + localRank + " and LOCAL_WORLD_SIZE = " + localWorldSize
                    + " are inconsistent: expected 0 <= LOCAL_RANK < LOCAL_WORLD_SIZE");
        }
        if (worldSize > 1 && (masterAddr == null || masterAddr.isBlank() || masterPort < 1 || masterPort > 65535)) {
            throw new LdmException("MASTER_ADDR = '" + masterAddr + "' and MASTER_PORT = " + masterPort + ": a job of "
                    + worldSize + " ranks needs the address and a free TCP port (1..65535) of rank 0's machine");
        }
    }

    /** One process on its own. */
    public static DistEnv single() {
        return new DistEnv(0, 1, 0, 1, null, 0);
    }

    public static DistEnv fromEnvironment() {
        return from(System.getenv());
    }

    public static DistEnv from(Map<String, String> env) {
        if (!env.containsKey("WORLD_SIZE")) {
            return single();
        }
        int world = integer(env, "WORLD_SIZE", null);
        int rank = integer(env, "RANK", null);
        int localRank = integer(env, "LOCAL_RANK", rank);
        int localWorld = integer(env, "LOCAL_WORLD_SIZE", world);
        return new DistEnv(rank, world, localRank, localWorld, env.get("MASTER_ADDR"),
                world > 1 ? integer(env, "MASTER_PORT", null) : 0);
    }

    private static int integer(Map<String, String> env, String key, Integer fallback) {
        String v = env.get(key);
        if (v == null) {
            if (fallback != null) {
                return fallback;
            }
            throw new LdmException(key + " is not set: a data-parallel job needs RANK, WORLD_SIZE, MASTER_ADDR and "
                    + "MASTER_PORT (bin/ldm4j launch sets them)");
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new LdmException(key + " = '" + v + "' is not an integer");
        }
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    /**
     * The rows {@code [from, from + size)} of a global batch of {@code globalBatch} that this rank
     * trains on; the union over ranks is the whole batch, in order.
     */
    public Slice slice(int globalBatch) {
        if (globalBatch % worldSize != 0) {
            throw new LdmException("the batch size " + globalBatch + " is not divisible by the " + worldSize
                    + " ranks: choose a batch size that is a multiple of the world size");
        }
        int size = globalBatch / worldSize;
        return new Slice(rank * size, size);
    }

    /** A contiguous part of a global batch. */
    public record Slice(int from, int size) {
    }
}
