package org.softprompt.backbone.easybert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding and downloading jars, against a repository served on the loopback interface by this test. */
class MavenRepositoriesTest {
    private static final MavenArtifact ARTIFACT = new MavenArtifact("org.example.models", "tiny-model", "2.0");

    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer server;
    private URI remote;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/maven2/", exchange -> {
            requests.incrementAndGet();
            byte[] body = served.get(exchange.getRequestURI().getPath().substring("/maven2/".length()));
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        remote = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/maven2/");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void downloadsIntoTheLocalRepositoryOnceAndChecksTheSha1(@TempDir Path repo) throws Exception {
        byte[] jar = "pretend this is a model jar".getBytes(StandardCharsets.UTF_8);
        served.put(ARTIFACT.jarPath(), jar);
        served.put(ARTIFACT.jarPath() + ".sha1", (sha1(jar) + "  tiny-model-2.0.jar\n").getBytes(StandardCharsets.US_ASCII));

        Path resolved = MavenRepositories.resolve(ARTIFACT, repo, remote);
        assertEquals(repo.resolve("org/example/models/tiny-model/2.0/tiny-model-2.0.jar"), resolved);
        assertArrayEquals(jar, Files.readAllBytes(resolved));
        assertEquals(sha1(jar), Files.readString(resolved.resolveSibling("tiny-model-2.0.jar.sha1")));
        assertEquals(2, requests.get());

        assertEquals(resolved, MavenRepositories.resolve(ARTIFACT, repo, remote));
        assertEquals(2, requests.get(), "a jar already in the local repository is not fetched again");
    }

    @Test
    void aDownloadWhoseSha1DiffersIsRejectedAndNotKept(@TempDir Path repo) throws Exception {
        served.put(ARTIFACT.jarPath(), "truncated".getBytes(StandardCharsets.UTF_8));
        served.put(ARTIFACT.jarPath() + ".sha1", sha1("the real thing".getBytes(StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.US_ASCII));

        IOException e = assertThrows(IOException.class, () -> MavenRepositories.resolve(ARTIFACT, repo, remote));
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("SHA-1"), e.getMessage());
        Path folder = repo.resolve("org/example/models/tiny-model/2.0");
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(0, files.count(), "neither the jar nor a partial download may remain");
        }
    }

    @Test
    void aMissingArtifactNamesTheUrl(@TempDir Path repo) {
        IOException e = assertThrows(IOException.class, () -> MavenRepositories.resolve(ARTIFACT, repo, remote));
        assertTrue(e.getMessage().contains(ARTIFACT.jarPath()) && e.getMessage().contains("404"), e.getMessage());
        assertFalse(Files.exists(repo.resolve(ARTIFACT.jarPath())));
    }

    @Test
    void readsTheLocalRepositoryFromSettingsXml(@TempDir Path tmp) throws IOException {
        Path settings = tmp.resolve("settings.xml");
        Files.writeString(settings, """
                <settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
                  <localRepository>${user.home}/custom-m2</localRepository>
                </settings>
                """);
        assertEquals(System.getProperty("user.home") + "/custom-m2", MavenRepositories.localRepositoryIn(settings));

        Files.writeString(settings, "<settings><offline>true</offline></settings>");
        assertNull(MavenRepositories.localRepositoryIn(settings));
    }

    @Test
    void theRepoLocalPropertyWins(@TempDir Path tmp) {
        String previous = System.getProperty("maven.repo.local");
        try {
            System.setProperty("maven.repo.local", tmp.toString());
            assertEquals(tmp, MavenRepositories.localRepository());
        } finally {
            if (previous == null) {
                System.clearProperty("maven.repo.local");
            } else {
                System.setProperty("maven.repo.local", previous);
            }
        }
    }

    private static String sha1(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    }
}
