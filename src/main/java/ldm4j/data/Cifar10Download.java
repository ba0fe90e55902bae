package ldm4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import ldm4j.train.Progress;

/**
 * Fetches a file to a cache folder: download to a temporary file in the same folder with a
 * progress bar, verify its MD5, then rename. A cached file is verified before use.
 *
 * @param url         where to download from
 * @param md5         expected MD5 (lower-case hex)
 * @param fileName    name of the file in the cache folder
 */
public record Cifar10Download(String url, String md5, String fileName) {

    /** The official CIFAR-10 binary release; {@code LDM4J_CIFAR10_URL} may point at a mirror. */
    public static Cifar10Download official(String urlOverride) {
        return new Cifar10Download(urlOverride != null && !urlOverride.isBlank() ? urlOverride : Cifar10.URL,
                Cifar10.MD5, Cifar10.TARBALL);
    }

    /** Returns the verified cached file, downloading it first if absent. */
    public Path fetch(Path cacheDir) {
        Path target = cacheDir.resolve(fileName);
        if (Files.isRegularFile(target)) {
            String actual = md5Of(target);
            if (!actual.equals(md5)) {
                throw new DataException(target + " fails its checksum (MD5 " + actual + ", expected " + md5
                        + "): the file is corrupt or incomplete; delete it and run again to re-download");
            }
            return target;
        }
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw new DataException("cannot create cache folder " + cacheDir + " (" + e.getMessage()
                    + "): set LDM4J_CACHE to a writable folder", e);
        }
        download(target);
        return target;
    }

    private void download(Path target) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(target.getParent(), fileName, ".part");
            URLConnection conn = URI.create(url).toURL().openConnection();
            conn.setConnectTimeout(20_000);
            conn.setReadTimeout(60_000);
            if (conn instanceof HttpURLConnection http && http.getResponseCode() != 200) {
                throw new IOException("HTTP " + http.getResponseCode());
            }
            long length = conn.getContentLengthLong();
            MessageDigest digest = md5Digest();
            try (InputStream in = new DigestInputStream(conn.getInputStream(), digest);
                 OutputStream out = Files.newOutputStream(tmp);
                 Progress progress = Progress.start("download " + fileName, Math.max(length, 0), "B")) {
                byte[] buf = new byte[1 << 16];
                int r;
                while ((r = in.read(buf)) > 0) {
                    out.write(buf, 0, r);
                    progress.step(r);
                }
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(md5)) {
                throw new DataException("download of " + url + " fails its checksum (MD5 " + actual + ", expected " + md5
                        + "): try again, or download " + fileName + " by hand and pass --data cifar10:/path/to/" + fileName);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DataException("cannot download " + url + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "). Without network, copy " + fileName + " to " + target + " or pass --data cifar10:/path/to/"
                    + fileName + " (or its extracted " + Cifar10.FOLDER + " folder)", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stale .part file is ignored by later runs
                }
            }
        }
    }

    public static String md5Of(Path file) {
        MessageDigest digest = md5Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new DataException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
