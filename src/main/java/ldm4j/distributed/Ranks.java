package ldm4j.distributed;

import java.time.Duration;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.train.RunDir;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * Joins the data-parallel job this process belongs to (see {@link DistEnv}), or none: a process
 * started without {@code WORLD_SIZE} trains alone. {@code LDM4J_DIST_TIMEOUT} (seconds, default 300)
 * bounds the rendezvous and every collective, so a rank that dies or hangs stops the others.
 */
public final class Ranks {
    private Ranks() {
    }

    public static final int DEFAULT_TIMEOUT_SECONDS = 300;

    /** The job's collective over CPU tensors (Gloo); {@code identity} (config and build) must be the same on every rank. */
    public static Collective join(DistEnv env, String identity) {
        return join(env, identity, new Device(DeviceType.CPU));
    }

    /**
     * The job's collective over tensors on {@code device} (Gloo on a CPU, NCCL on {@code cuda:LOCAL_RANK});
     * {@code identity} (config and build) must be the same on every rank.
     */
    public static Collective join(DistEnv env, String identity, Device device) {
        if (!env.distributed()) {
            return Collective.single();
        }
        Collective c = C10dCollective.join(env, timeout(), device);
        try {
            c.requireSame("config or ldm4j build", identity);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** What must be the same on every rank: the resolved config and the ldm4j build. */
    public static String identity(Config config) {
        return new ConfigResolver().toJson(config) + "\n" + RunDir.provenance(config, "", 0, null)
                .get("ldm4j_version");
    }

    static Duration timeout() {
        String v = System.getenv("LDM4J_DIST_TIMEOUT");
        if (v == null || v.isBlank()) {
            return Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        }
        try {
            long s = Long.parseLong(v.strip());
            if (s >= 1 && s <= 86_400) {
                return Duration.ofSeconds(s);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new LdmException("LDM4J_DIST_TIMEOUT = '" + v + "': expected a number of seconds from 1 to 86400");
    }
}
