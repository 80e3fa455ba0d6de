package org.softprompt.backbone.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for huggingface.co on loopback, answering as the real hub does: the model-info API
 * ({@code /api/models/{repo}/revision/{rev}} with "sha" and "siblings"), and {@code /{repo}/resolve/{rev}/{file}}
 * which serves small files itself (ETag = git blob SHA-1, X-Repo-Commit) and 302-redirects LFS files to a CDN
 * on another origin, announcing the content in X-Linked-Etag (SHA-256) and X-Linked-Size. The CDN, like S3 with
 * a signed URL, refuses requests that carry an Authorization header, and sends an ETag of its own (an MD5) that
 * must not be taken for the blob id. Private repositories answer 401 RepoNotFound without the right token.
 * Every request is logged so that tests can count them.
 */
final class FakeHub implements AutoCloseable {

    static final String TOKEN = "hf_test_token";

    /** One repository: its refs (branch, tag, refs/pr/N) and each commit's files. */
    static final class Repo {
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
        boolean isPrivate;

        /** Adds a commit with these files and points {@code branch} at it; returns the commit hash. */
        String commit(String branch, Map<String, byte[]> files) {
            String commit = sha1Hex((branch + commits.size() + files.keySet()).getBytes(StandardCharsets.UTF_8));
            commits.put(commit, new LinkedHashMap<>(files));
            refs.put(branch, commit);
            return commit;
        }
    }

    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    /** Renamed repositories, old id to new id: the hub answers a relative 307 to the new name's URL. */
    final Map<String, String> renamed = new ConcurrentHashMap<>();
    /** "HUB /path" or "CDN /path", in arrival order. */
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    final List<String> authorizationsSeenByHub = Collections.synchronizedList(new ArrayList<>());
    /** LFS files whose CDN answer announces the full length but sends only half and closes. */
    final Set<String> truncated = ConcurrentHashMap.newKeySet();
    /** LFS files whose CDN answer has one byte changed. */
    final Set<String> corrupted = ConcurrentHashMap.newKeySet();
    /** LFS files whose CDN answer sends half and then nothing until {@link #close()}. */
    final Set<String> stalled = ConcurrentHashMap.newKeySet();

    private final Map<String, byte[]> cdnBlobs = new ConcurrentHashMap<>();
    private final Map<String, String> cdnNames = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final HttpServer hub;
    private final HttpServer cdn;

    FakeHub() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 16);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 16);
        hub.createContext("/", this::handleHub);
        cdn.createContext("/", this::handleCdn);
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.start();
        cdn.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    Repo repo(String id) {
        return repos.computeIfAbsent(id, key -> new Repo());
    }

    long count(String prefix) {
        synchronized (requests) {
            return requests.stream().filter(request -> request.startsWith(prefix)).count();
        }
    }

    /** Git stores files as LFS pointers when they are large binaries; the hub's rule of thumb is the extension. */
    static boolean isLfs(String file) {
        return file.endsWith(".safetensors") || file.endsWith(".bin");
    }

    /** A small file's hub ETag: the git blob id, SHA-1 of "blob {size}\0{content}". */
    static String gitBlobId(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return sha1Hex(all);
    }

    static String sha256Hex(byte[] content) {
        return hex("SHA-256", content);
    }

    private static String sha1Hex(byte[] content) {
        return hex("SHA-1", content);
    }

    private static String hex(String algorithm, byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handleHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requests.add("HUB " + path);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizationsSeenByHub.add(String.valueOf(authorization));
            if (path.startsWith("/api/models/")) {
                String rest = path.substring("/api/models/".length());
                int at = rest.lastIndexOf("/revision/");
                String repoId = rest.substring(0, at);
                if (renamed.containsKey(repoId)) {
                    redirectRenamed(exchange, "/api/models/" + renamed.get(repoId) + rest.substring(at));
                    return;
                }
                String revision = decode(rest.substring(at + "/revision/".length()));
                Repo repo = authorizedRepo(exchange, repoId, authorization);
                if (repo == null) {
                    return;
                }
                String commit = commitOf(repo, revision);
                if (commit == null) {
                    error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
                    return;
                }
                StringBuilder json = new StringBuilder("{\"_id\":\"0123\",\"id\":\"" + repoId + "\",\"sha\":\""
                        + commit + "\",\"private\":" + repo.isPrivate + ",\"siblings\":[");
                List<String> names = new ArrayList<>(repo.commits.get(commit).keySet());
                for (int i = 0; i < names.size(); i++) {
                    json.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(names.get(i)).append("\"}");
                }
                json.append("]}");
                send(exchange, 200, json.toString().getBytes(StandardCharsets.UTF_8), Map.of(
                        "Content-Type", "application/json"));
                return;
            }
            int resolve = path.indexOf("/resolve/");
            if (resolve < 0) {
                send(exchange, 404, "no such page".getBytes(StandardCharsets.UTF_8), Map.of());
                return;
            }
            String repoId = path.substring(1, resolve);
            String rest = path.substring(resolve + "/resolve/".length());
            if (renamed.containsKey(repoId)) {
                redirectRenamed(exchange, "/" + renamed.get(repoId) + "/resolve/" + rest);
                return;
            }
            int slash = rest.indexOf('/');
            String revision = decode(rest.substring(0, slash));
            String file = decode(rest.substring(slash + 1));
            Repo repo = authorizedRepo(exchange, repoId, authorization);
            if (repo == null) {
                return;
            }
            String commit = commitOf(repo, revision);
            if (commit == null) {
                error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
                return;
            }
            byte[] content = repo.commits.get(commit).get(file);
            if (content == null) {
                error(exchange, 404, "EntryNotFound", "Entry not found");
                return;
            }
            if (isLfs(file)) {
                String sha256 = sha256Hex(content);
                cdnBlobs.put(sha256, content);
                cdnNames.put(sha256, file);
                String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize "
                        + content.length + "\n";
                String location = "http://127.0.0.1:" + cdn.getAddress().getPort() + "/cdn/" + sha256
                        + "?X-Amz-Signature=fake&X-Amz-Expires=3600";
                send(exchange, 302, ("Found. Redirecting to " + location).getBytes(StandardCharsets.UTF_8), Map.of(
                        "Location", location,
                        "X-Repo-Commit", commit,
                        "X-Linked-Etag", "\"" + sha256 + "\"",
                        "X-Linked-Size", String.valueOf(content.length),
                        "ETag", "\"" + gitBlobId(pointer.getBytes(StandardCharsets.UTF_8)) + "\""));
            } else {
                send(exchange, 200, content, Map.of("X-Repo-Commit", commit, "ETag", "\"" + gitBlobId(content) + "\""));
            }
        }
    }

    private void handleCdn(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requests.add("CDN " + path);
            if (exchange.getRequestHeaders().containsKey("Authorization")) {
                send(exchange, 400, ("<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed"
                        + "</Message></Error>").getBytes(StandardCharsets.UTF_8), Map.of());
                return;
            }
            String sha256 = path.substring("/cdn/".length());
            byte[] content = cdnBlobs.get(sha256);
            if (content == null) {
                send(exchange, 404, "NoSuchKey".getBytes(StandardCharsets.UTF_8), Map.of());
                return;
            }
            String name = cdnNames.get(sha256);
            exchange.getResponseHeaders().set("ETag", "\"" + hex("MD5", content) + "\"");
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (truncated.contains(name) || stalled.contains(name)) {
                exchange.sendResponseHeaders(200, content.length);
                OutputStream body = exchange.getResponseBody();
                body.write(content, 0, content.length / 2);
                body.flush();
                if (stalled.contains(name)) {
                    awaitClosing();
                }
                // Closing short of the announced length makes the server drop the connection, as a broken
                // transfer would.
                return;
            }
            byte[] served = content;
            if (corrupted.contains(name)) {
                served = content.clone();
                served[served.length / 2] ^= 0x5a;
            }
            send(exchange, 200, served, Map.of());
        }
    }

    private void awaitClosing() {
        try {
            closing.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The repository if the request may see it; otherwise answers as the hub does and returns null. */
    private Repo authorizedRepo(HttpExchange exchange, String repoId, String authorization) throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null) {
            error(exchange, 404, "RepoNotFound", "Repository not found");
            return null;
        }
        if (repo.isPrivate && !("Bearer " + TOKEN).equals(authorization)) {
            if (authorization == null) {
                // The hub does not tell a private repository from a missing one to strangers.
                error(exchange, 401, "RepoNotFound", "Repository not found");
            } else {
                error(exchange, 401, null, "Invalid credentials in Authorization header");
            }
            return null;
        }
        return repo;
    }

    private static void redirectRenamed(HttpExchange exchange, String newPath) throws IOException {
        send(exchange, 307, ("Temporary Redirect. Redirecting to " + newPath).getBytes(StandardCharsets.UTF_8),
                Map.of("Location", newPath));
    }

    private static String commitOf(Repo repo, String revision) {
        if (repo.commits.containsKey(revision)) {
            return revision;
        }
        return repo.refs.get(revision);
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        if (code != null) {
            headers.put("X-Error-Code", code);
        }
        headers.put("X-Error-Message", message);
        headers.put("Content-Type", "application/json");
        send(exchange, status, ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8), headers);
    }

    private static void send(HttpExchange exchange, int status, byte[] body, Map<String, String> headers)
            throws IOException {
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closing.countDown();
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }
}
