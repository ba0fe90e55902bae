package ldm4j.distributed;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import ldm4j.LdmException;
import ldm4j.torch.Devices;
import ldm4j.torch.Tensors;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * {@link Collective} over libtorch's c10d: a {@link TCPStore} served by rank 0 at
 * MASTER_ADDR:MASTER_PORT for the rendezvous, and a process group for the collectives: Gloo for CPU
 * tensors, NCCL for CUDA tensors (each rank on {@code cuda:LOCAL_RANK}; the NCCL natives come with the
 * {@code gpu} build). Everything else is shared: the collectives run on tensors of the group's device
 * (metrics and hashes are moved there and back). Every collective waits at most {@code timeout}; a rank that died or hangs makes the
 * others fail with one line naming it ({@link Heartbeat}) instead of waiting forever. Gradients travel as one flat buffer (one
 * allreduce per step, then divided by the world size once it has completed).
 */
public final class C10dCollective implements Collective {
    private final DistEnv env;
    private final Backend group;
    private final Device device;                                               // where the group's tensors live
    private final Duration timeout;
    private final Heartbeat heartbeat;
    private long nanosInCollectives;

    private C10dCollective(DistEnv env, Backend group, Device device, Duration timeout, Heartbeat heartbeat) {
        this.env = env;
        this.group = group;
        this.device = device;
        this.timeout = timeout;
        this.heartbeat = heartbeat;
    }

    /**
     * Joins the job described by {@code env} with collectives on {@code device} (Gloo on a CPU, NCCL on a
     * CUDA device); fails in one line if the rendezvous does not complete in time.
     */
    public static C10dCollective join(DistEnv env, Duration timeout, Device device) {
        boolean cuda = Devices.isCuda(device);
        String where = env.masterAddr() + ":" + env.masterPort();
        TCPStore store;
        try {
            TCPStoreOptions o = new TCPStoreOptions();
            o.port((short) env.masterPort());
            o.isServer(env.rank() == 0);
            o.numWorkers(new SizeTPointer(1).put(0, env.worldSize()));
            o.waitWorkers(true);
            o.timeout(new Milliseconds(timeout.toMillis()));
            store = new TCPStore(env.masterAddr(), o);
        } catch (RuntimeException e) {
            throw new LdmException("rank " + env.rank() + ": rendezvous at " + where + " failed within "
                    + timeout.toSeconds() + " s (" + firstLine(e) + "): check MASTER_ADDR/MASTER_PORT (a port in use, "
                    + "an unreachable master, or a rank that never started)");
        }
        try {
            // The process group takes the store as an intrusive_ptr stolen from this plain `new`: from
            // here on the group owns it and deletes it with itself. Java must not delete it too (a
            // double free that corrupted the heap at exit, now and then).
            store.deallocate(false);
            Backend group = cuda ? nccl(store, env, timeout) : gloo(store, env, timeout);
            return new C10dCollective(env, group, device, timeout, new Heartbeat(store, env.rank(), env.worldSize()));
        } catch (RuntimeException | LinkageError e) {
            throw new LdmException("rank " + env.rank() + ": cannot create the " + (cuda ? "NCCL" : "Gloo")
                    + " process group with " + where + " (" + (e instanceof RuntimeException r ? firstLine(r) : e.toString())
                    + ")" + (cuda ? ": NCCL needs the gpu build (./mvnw -Pgpu package)" : ""));
        }
    }

    private static Backend gloo(TCPStore store, DistEnv env, Duration timeout) {
        ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(new Milliseconds(timeout.toMillis()));
        String host = env.masterAddr().equals("localhost") || env.masterAddr().startsWith("127.") ? "127.0.0.1"
                : hostName();
        options.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname(host)));
        return new ProcessGroupGloo(store, env.rank(), env.worldSize(), options);
    }

    /** NCCL (CUDA tensors): its class loads its natives, present only in the gpu build; never touched on a CPU. */
    private static Backend nccl(TCPStore store, DistEnv env, Duration timeout) {
        ProcessGroupNCCL.Options options = ProcessGroupNCCL.Options.create();
        options.timeout(new Milliseconds(timeout.toMillis()));
        return new ProcessGroupNCCL(store, env.rank(), env.worldSize(), options);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    @Override
    public int rank() {
        return env.rank();
    }

    @Override
    public int worldSize() {
        return env.worldSize();
    }

    @Override
    public void averageInPlace(List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor bucket = flatten(tensors);
            allreduce(bucket, "averaging gradients");
            bucket.div_(new Scalar(env.worldSize()));                          // only after the allreduce completed
            unflatten(bucket, tensors);
        }
    }

    @Override
    public void broadcastInPlace(List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor bucket = flatten(tensors);
            BroadcastOptions o = new BroadcastOptions();
            o.rootRank(0);
            o.timeout(new Milliseconds(timeout.toMillis()));
            run(() -> group.broadcast(new TensorVector(bucket), o), "broadcasting rank 0's weights");
            unflatten(bucket, tensors);
        }
    }

    @Override
    public void sumInPlace(Tensor t, String doing) {
        try (NoGradGuard g = new NoGradGuard()) {
            allreduce(t, doing);
        }
    }

    /** The tensors as one flat buffer (one collective instead of one per tensor). */
    private static Tensor flatten(List<Tensor> tensors) {
        TensorVector flat = new TensorVector();
        for (Tensor t : tensors) {
            flat.push_back(t.reshape(-1));
        }
        return torch.cat(flat);                                                 // (sum of numel,)
    }

    private static void unflatten(Tensor bucket, List<Tensor> tensors) {
        long offset = 0;
        for (Tensor t : tensors) {
            long n = t.numel();
            t.copy_(bucket.narrow(0, offset, n).view(Tensors.shape(t)));
            offset += n;
        }
    }

    @Override
    public double average(double value) {
        Tensor t = torch.full(new long[]{1}, new Scalar(value), new TensorOptions(torch.ScalarType.Double));
        t = allreduce(t, "averaging a metric");
        return t.item_double() / env.worldSize();
    }

    @Override
    public Map<String, Double> average(Map<String, Double> values) {
        double[] v = values.values().stream().mapToDouble(Double::doubleValue).toArray();
        Tensor t = torch.zeros(new long[]{v.length}, new TensorOptions(torch.ScalarType.Double));
        for (int i = 0; i < v.length; i++) {
            t.narrow(0, i, 1).fill_(new Scalar(v[i]));
        }
        t = allreduce(t, "averaging metrics");
        double[] sum = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            sum[i] = t.get(i).item_double() / env.worldSize();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        int i = 0;
        for (String k : values.keySet()) {
            out.put(k, sum[i++]);
        }
        return out;
    }

    @Override
    public void requireSame(String what, String value) {
        long[] mine = new long[env.worldSize()];
        mine[env.rank()] = hash(value);
        Tensor all = allreduce(Tensors.fromLongs(mine, mine.length), "comparing " + what);
        long[] hashes = Tensors.toLongs(all);
        List<Integer> differ = new ArrayList<>();
        for (int r = 0; r < hashes.length; r++) {
            if (hashes[r] != hashes[0]) {
                differ.add(r);
            }
        }
        if (!differ.isEmpty()) {
            throw new LdmException("ranks " + differ + " were started with a different " + what + " than rank 0: start "
                    + "every rank with the same command, config and ldm4j build");
        }
    }

    /**
     * Sums {@code t} over the ranks in place and returns it. A tensor on another device than the group's
     * (a CPU metric under NCCL) travels through a copy on the group's device and is copied back.
     */
    private Tensor allreduce(Tensor t, String doing) {
        boolean here = t.device().type().value == device.type().value;
        Tensor onGroup = here ? t : t.to(device, t.scalar_type());
        TensorVector v = new TensorVector(onGroup);
        AllreduceOptions o = new AllreduceOptions();
        o.timeout(new Milliseconds(timeout.toMillis()));
        run(() -> group.allreduce(v, o), doing);
        if (!here) {
            t.copy_(onGroup);
        }
        return t;
    }

    /** Starts a collective and waits for it, turning every failure into one line. */
    private void run(Supplier<Work> start, String doing) {
        long t0 = System.nanoTime();
        try {
            if (!start.get()._wait(new Milliseconds(timeout.toMillis()))) {
                throw new LdmException("rank " + env.rank() + ": no answer from " + lost() + " for " + timeout.toSeconds()
                        + " s while " + doing + ": a rank died or hangs (see its output); stopping");
            }
        } catch (LdmException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LdmException("rank " + env.rank() + ": lost contact with " + lost() + " while " + doing + " ("
                    + firstLine(e) + "); a rank died or hangs (see its output); stopping");
        } finally {
            nanosInCollectives += System.nanoTime() - t0;
        }
    }

    /** The lost rank(s) by their heartbeats, for the error: "rank 1", "ranks [1, 3]" or "another rank". */
    private String lost() {
        List<Integer> lost = heartbeat.lostRanks();
        return lost.isEmpty() ? "another rank" : lost.size() == 1 ? "rank " + lost.get(0) : "ranks " + lost;
    }

    static long hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first line of a libtorch error, without its C++ stack ("Exception raised from ..."). */
    static String firstLine(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        int cut = m.indexOf(" Exception raised from ");
        m = cut < 0 ? m : m.substring(0, cut);
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.replaceAll("\\[[^\\]]*\\.(cc|cpp|h):\\d+\\] ", "").strip(); // the C++ source position
    }

    @Override
    public double secondsInCollectives() {
        return nanosInCollectives / 1e9;
    }

    @Override
    public void close() {
        if (heartbeat.stop(Duration.ofSeconds(1))) {
            group.close();                                                      // also frees the store it owns
        } // else the heartbeat is stuck in a call to a hung rank 0's store: leave both to the exiting process
    }
}
