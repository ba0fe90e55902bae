package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import ldm4j.LdmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256Test {

    @TempDir
    Path dir;

    @Test
    void matchesTheStandardsTestVectors() {
        // FIPS 180-2, appendix B.1 and B.2
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Sha256.of("abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                Sha256.of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Sha256.of(new byte[0]));
    }

    @Test
    void aFileReadInPiecesHashesAsItsBytes() throws IOException {
        byte[] bytes = new byte[200_003];                            // several read buffers and a partial one
        new SplittableRandom(7).nextBytes(bytes);
        Path file = Files.write(dir.resolve("w.safetensors"), bytes);
        assertEquals(Sha256.of(bytes), Sha256.of(file));
        bytes[bytes.length - 1] ^= 1;                                // the last byte counts
        Files.write(file, bytes);
        assertEquals(Sha256.of(bytes), Sha256.of(file));
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("vae.safetensors");
        LdmException e = assertThrows(LdmException.class, () -> Sha256.of(missing));
        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
    }
}
