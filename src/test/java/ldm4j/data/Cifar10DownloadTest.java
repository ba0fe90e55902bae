package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Download, verification and atomic rename, against a local HTTP server on loopback. */
class Cifar10DownloadTest {
    private static final byte[] PAYLOAD = "pretend this is cifar-10-binary.tar.gz".repeat(5000).getBytes(StandardCharsets.UTF_8);
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/file", ex -> {
            ex.sendResponseHeaders(200, PAYLOAD.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(PAYLOAD);
            }
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void downloadsVerifiesAndRenames(@TempDir Path cache) throws Exception {
        Cifar10Download d = new Cifar10Download(base + "/file", md5(PAYLOAD), "data.tar.gz");
        Path f = d.fetch(cache.resolve("sub"));
        assertEquals(cache.resolve("sub/data.tar.gz"), f);
        assertArrayEquals(PAYLOAD, Files.readAllBytes(f));
        assertEquals(1, count(cache.resolve("sub")), "no temporary file left behind");
        // second fetch uses the verified cache, even with the server gone
        server.stop(0);
        assertEquals(f, d.fetch(cache.resolve("sub")));
    }

    @Test
    void checksumMismatchLeavesNothing(@TempDir Path cache) {
        Cifar10Download d = new Cifar10Download(base + "/file", "0".repeat(32), "data.tar.gz");
        DataException e = assertThrows(DataException.class, () -> d.fetch(cache));
        assertTrue(e.getMessage().contains("fails its checksum"), e.getMessage());
        assertTrue(e.getMessage().contains("cifar10:"), e.getMessage());
        assertEquals(0, count(cache));
    }

    @Test
    void corruptCachedTarballIsRejected(@TempDir Path cache) throws Exception {
        Files.write(cache.resolve("data.tar.gz"), new byte[]{1, 2, 3});
        Cifar10Download d = new Cifar10Download(base + "/file", md5(PAYLOAD), "data.tar.gz");
        DataException e = assertThrows(DataException.class, () -> d.fetch(cache));
        assertTrue(e.getMessage().startsWith(cache.resolve("data.tar.gz") + " fails its checksum"), e.getMessage());
        assertTrue(e.getMessage().contains("delete it"), e.getMessage());
    }

    @Test
    void unreachableServerExplainsOfflineUse(@TempDir Path cache) {
        for (String url : new String[]{base + "/missing", "http://127.0.0.1:1/x"}) {
            Cifar10Download d = new Cifar10Download(url, "0".repeat(32), "data.tar.gz");
            DataException e = assertThrows(DataException.class, () -> d.fetch(cache));
            assertTrue(e.getMessage().startsWith("cannot download " + url), e.getMessage());
            assertTrue(e.getMessage().contains("--data cifar10:/path/to/data.tar.gz"), e.getMessage());
            assertEquals(0, count(cache));
        }
    }

    @Test
    void officialChecksumIsTheReleaseOne() {
        assertEquals("c32a1d4ab5d03f1284b67883e8d87530", Cifar10Download.official(null).md5());
        assertEquals("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", Cifar10Download.official("").url());
        assertEquals("http://mirror/x.tgz", Cifar10Download.official("http://mirror/x.tgz").url());
    }

    private static long count(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
