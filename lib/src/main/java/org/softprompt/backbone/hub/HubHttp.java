package org.softprompt.backbone.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The hub's HTTP protocol as huggingface_hub uses it: the model-info API for a revision's commit and file list,
 * and {@code /{repo}/resolve/{commit}/{file}} for contents, which answers small files directly and redirects
 * LFS files to a CDN. Network failures surface as plain {@link IOException}s, so that the caller can fall back
 * to the cache; answers the hub refuses surface as {@link HubException}s that say why.
 */
final class HubHttp {

    /** What the hub's model-info API says about one revision. */
    record Listing(String commit, Set<String> files) { }

    private static final System.Logger LOG = System.getLogger(HubHttp.class.getName());
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final long PROGRESS_INTERVAL_MILLIS = 200;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** An etag becomes a file name in blobs/, so anything else is not trusted as one. */
    private static final Pattern SAFE_ETAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final String USER_AGENT = "softprompt; java/" + Runtime.version().feature();

    private final HubSettings settings;
    private final HttpClient client;

    HubHttp(HubSettings settings) {
        this.settings = settings;
        // Redirects are followed by hand: the hub's own headers (commit, etag) are on the first answer, and the
        // token must not travel to the CDN host that the hub redirects to.
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code GET {endpoint}/api/models/{repo}/revision/{revision}}: the revision's commit and its files. */
    Listing listing(String repoId, String revision) throws IOException {
        URI uri = URI.create(settings.endpoint() + "/api/models/" + repoId + "/revision/" + encode(revision, false));
        Answer answer = follow(uri, repoId, null, revision, hub -> false);
        String json = readBody(answer, repoId, null);
        try {
            JsonObject info = JsonParser.parseString(json).getAsJsonObject();
            String commit = info.has("sha") && info.get("sha").isJsonPrimitive() ? info.get("sha").getAsString() : null;
            if (commit == null || !HubCache.isCommitHash(commit)) {
                throw new HubException("The hub's model info for '" + repoId + "' at revision '" + revision
                        + "' has no commit hash ('sha'); is " + settings.endpoint() + " a Hugging Face hub?",
                        repoId, null, 200);
            }
            Set<String> files = new LinkedHashSet<>();
            if (info.has("siblings") && info.get("siblings").isJsonArray()) {
                for (JsonElement sibling : info.getAsJsonArray("siblings")) {
                    JsonElement name = sibling.isJsonObject() ? sibling.getAsJsonObject().get("rfilename") : null;
                    if (name != null && name.isJsonPrimitive()) {
                        files.add(name.getAsString());
                    }
                }
            }
            return new Listing(commit, files);
        } catch (JsonParseException | IllegalStateException e) {
            throw new HubException("The hub's model info for '" + repoId + "' at revision '" + revision
                    + "' is not the JSON object expected from " + uri + ": " + e.getMessage(), repoId, null, 200, e);
        }
    }

    /**
     * Downloads one file of a commit into the cache: {@code blobs/{etag}} plus the snapshot's link to it. The
     * body goes to a temporary file that is checked (size, and SHA-256 when the etag is one) before it takes
     * its final name, so a failed download leaves nothing that looks complete. A blob the cache already holds,
     * e.g. an unchanged weight file of an earlier commit, is linked without downloading it again.
     */
    void download(String repoId, String commit, String file, HubCache cache, DownloadProgress progress)
            throws IOException {
        URI uri = URI.create(settings.endpoint() + "/" + repoId + "/resolve/" + commit + "/" + encode(file, true));
        // An LFS file's redirect already names its blob: one the cache holds is not fetched from the CDN again.
        Answer answer = follow(uri, repoId, file, commit,
                hub -> hub.etag() != null && hub.linkedSize() >= 0 && cache.hasBlob(hub.etag(), hub.linkedSize()));
        String servedCommit = answer.hub.commit();
        if (servedCommit != null && !servedCommit.equals(commit)) {
            answer.discard();
            throw new HubException("The hub served '" + file + "' of '" + repoId + "' from commit " + servedCommit
                    + " when asked for commit " + commit, repoId, file, 200);
        }
        String etag = answer.hub.etag();
        long expectedSize = answer.hub.linkedSize() >= 0 ? answer.hub.linkedSize()
                : answer.response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (etag != null && cache.hasBlob(etag, expectedSize)) {
            answer.discard();
            cache.link(commit, file, etag, false);
            return;
        }
        Path incomplete = null;
        try {
            BlobWriter writer;
            try {
                incomplete = cache.newIncompleteBlob(etag);
                writer = new BlobWriter(incomplete);
            } catch (IOException | RuntimeException e) {
                answer.discard();
                throw e;
            }
            answer.body().subscribe(writer);
            progress.update(repoId, file, 0, expectedSize);
            long received = await(writer, repoId, file, expectedSize, progress);
            if (expectedSize >= 0 && received != expectedSize) {
                throw new HubException("Download of '" + file + "' from '" + repoId + "' is incomplete: received "
                        + received + " of " + expectedSize + " bytes; nothing was cached, try again",
                        repoId, file, 200);
            }
            String sha256 = writer.sha256Hex();
            if (etag != null && SHA256.matcher(etag).matches() && !etag.equals(sha256)) {
                throw new HubException("Download of '" + file + "' from '" + repoId + "' is corrupt: its SHA-256 is "
                        + sha256 + " but the hub announced " + etag + "; nothing was cached, try again",
                        repoId, file, 200);
            }
            // Without an etag (a mirror that sends none) the content's own hash is a name that cannot collide.
            String blobName = etag != null ? etag : sha256;
            cache.commitBlob(incomplete, blobName);
            cache.link(commit, file, blobName, true);
            progress.update(repoId, file, received, received);
        } finally {
            if (incomplete != null) {
                Files.deleteIfExists(incomplete);
            }
        }
    }

    /**
     * An answer whose headers have arrived. Its body is still to be read, exactly once, unless {@link #consumed}:
     * then the chain stopped at a redirect whose headers were enough.
     */
    private static final class Answer {
        final HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
        final HubHeaders hub;
        final URI uri;
        private boolean consumed;

        Answer(HttpResponse<Flow.Publisher<List<ByteBuffer>>> response, HubHeaders hub, URI uri) {
            this.response = response;
            this.hub = hub;
            this.uri = uri;
        }

        Flow.Publisher<List<ByteBuffer>> body() {
            if (consumed) {
                throw new IllegalStateException("the body of " + withoutQuery(uri) + " was already consumed");
            }
            consumed = true;
            return response.body();
        }

        /** Reads no body: cancelling closes the connection instead of pulling, say, a 500 MB blob we have. */
        void discard() {
            if (consumed) {
                return;
            }
            body().subscribe(new Flow.Subscriber<>() {
                @Override public void onSubscribe(Flow.Subscription subscription) {
                    subscription.cancel();
                }

                @Override public void onNext(List<ByteBuffer> item) { }

                @Override public void onError(Throwable throwable) { }

                @Override public void onComplete() { }
            });
        }
    }

    /** A test on the headers so far that may throw, as looking into the cache does. */
    @FunctionalInterface
    private interface HeaderCheck {
        boolean enough(HubHeaders hub) throws IOException;
    }

    /**
     * Sends GETs along the redirects until an answer that is not one, or until {@code stopAtRedirect} finds the
     * headers gathered so far enough; an error answer becomes a HubException.
     */
    private Answer follow(URI start, String repoId, String file, String revision, HeaderCheck stopAtRedirect)
            throws IOException {
        HubHeaders hub = new HubHeaders();
        URI uri = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            Answer answer = new Answer(send(uri), hub, uri);
            HttpResponse<?> response = answer.response;
            hub.absorb(response.headers());
            int status = response.statusCode();
            if (status >= 300 && status < 400 && status != 304) {
                Optional<String> location = response.headers().firstValue("Location");
                answer.discard();
                if (stopAtRedirect.enough(hub)) {
                    return answer;
                }
                if (location.isEmpty()) {
                    throw new HubException("The hub redirected " + describe(repoId, file) + " (HTTP " + status
                            + ") without saying where to", repoId, file, status);
                }
                uri = uri.resolve(location.get());
                continue;
            }
            if (status != 200) {
                String body = readSmallBody(answer);
                throw HubErrors.forStatus(status, response.headers(), body, repoId, file, revision, uri, settings);
            }
            return answer;
        }
        throw new HubException("More than " + MAX_REDIRECTS + " redirects for " + describe(repoId, file) + ", last to "
                + withoutQuery(uri), repoId, file, 0);
    }

    private HttpResponse<Flow.Publisher<List<ByteBuffer>>> send(URI uri) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(settings.requestTimeout())
                .header("User-Agent", USER_AGENT)
                // Sizes and checksums are of the raw bytes: ask for no compression.
                .header("Accept-Encoding", "identity");
        if (settings.token() != null && sameOrigin(uri, settings.endpoint())) {
            request.header("Authorization", "Bearer " + settings.token());
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofPublisher());
        } catch (IOException e) {
            // HttpClient's exceptions often have no message (a bare ConnectException): say what was tried.
            throw new IOException("Could not reach " + withoutQuery(uri) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while contacting " + withoutQuery(uri));
        }
    }

    /**
     * Waits for a body to be written, telling {@code progress} on this thread, and gives up when no byte arrives
     * for the stall timeout: HttpClient's own timeout ends when the headers arrive, not with the body.
     */
    private long await(BlobWriter writer, String repoId, String file, long expectedSize, DownloadProgress progress)
            throws IOException {
        long stallNanos = settings.stallTimeout().toNanos();
        long lastBytes = -1;
        long lastChange = System.nanoTime();
        while (true) {
            try {
                return writer.done.get(Math.min(PROGRESS_INTERVAL_MILLIS, settings.stallTimeout().toMillis() + 1),
                        TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                long bytes = writer.bytes.get();
                long now = System.nanoTime();
                if (bytes != lastBytes) {
                    lastBytes = bytes;
                    lastChange = now;
                    progress.update(repoId, file, bytes, expectedSize);
                } else if (now - lastChange > stallNanos) {
                    writer.cancel();
                    throw new HubException("Download of '" + file + "' from '" + repoId + "' stalled: no data for "
                            + settings.stallTimeout().toMillis() / 1000.0 + " s after " + bytes + " of "
                            + (expectedSize < 0 ? "?" : expectedSize) + " bytes (the limit is HF_HUB_DOWNLOAD_TIMEOUT);"
                            + " nothing was cached, try again", repoId, file, 200);
                }
            } catch (ExecutionException failed) {
                Throwable cause = failed.getCause();
                throw new HubException("Download of '" + file + "' from '" + repoId + "' broke off after "
                        + writer.bytes.get() + " of " + (expectedSize < 0 ? "?" : expectedSize) + " bytes: "
                        + cause.getMessage() + "; nothing was cached, try again", repoId, file, 200, cause);
            } catch (InterruptedException e) {
                writer.cancel();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while downloading '" + file + "' from '" + repoId + "'");
            }
        }
    }

    private String readBody(Answer answer, String repoId, String file) throws IOException {
        BodySubscriber<byte[]> subscriber = BodySubscribers.ofByteArray();
        answer.body().subscribe(subscriber);
        try {
            // A model-info answer is a few kilobytes: one stall period on top of the request timeout is ample.
            byte[] bytes = subscriber.getBody().toCompletableFuture().get(
                    settings.requestTimeout().plus(settings.stallTimeout()).toMillis(), TimeUnit.MILLISECONDS);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IOException("Reading the hub's answer for " + describe(repoId, file) + " from "
                    + withoutQuery(answer.uri) + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + withoutQuery(answer.uri));
        }
    }

    /** The start of an error answer's body, for the message; never fails, the status is what matters. */
    private String readSmallBody(Answer answer) {
        BodySubscriber<byte[]> subscriber = BodySubscribers.ofByteArray();
        answer.body().subscribe(subscriber);
        try {
            byte[] bytes = subscriber.getBody().toCompletableFuture()
                    .get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return new String(bytes, 0, Math.min(bytes.length, MAX_ERROR_BODY), StandardCharsets.UTF_8);
        } catch (ExecutionException | TimeoutException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * The hub's facts about a file, read from the headers of every answer along the redirect chain. The answer
     * that carries {@code X-Repo-Commit} is the hub's own; a CDN's ETag (an S3 checksum, say) must not name the
     * blob, which is why an LFS file's id comes from the hub's {@code X-Linked-Etag}.
     */
    private static final class HubHeaders {
        private final List<HttpHeaders> hops = new ArrayList<>();

        void absorb(HttpHeaders headers) {
            hops.add(headers);
        }

        /** The commit the hub resolved the revision to, from the first answer that names one. */
        String commit() {
            return first("X-Repo-Commit").map(String::strip).orElse(null);
        }

        /**
         * The blob id: {@code X-Linked-Etag} (an LFS file's SHA-256) where the hub sent one, else the ETag of the
         * hub's own answer (a small file's git SHA-1), else, for a mirror that sends no commit, the first ETag.
         */
        String etag() {
            Optional<String> linked = first("X-Linked-Etag");
            if (linked.isPresent()) {
                return normalizeEtag(linked.get());
            }
            for (HttpHeaders headers : hops) {
                if (headers.firstValue("X-Repo-Commit").isPresent()) {
                    return normalizeEtag(headers.firstValue("ETag").orElse(null));
                }
            }
            return normalizeEtag(first("ETag").orElse(null));
        }

        /** An LFS file's size as the hub announced it ({@code X-Linked-Size}), or -1. */
        long linkedSize() {
            return first("X-Linked-Size").map(value -> {
                try {
                    return Long.parseLong(value.strip());
                } catch (NumberFormatException e) {
                    return -1L;
                }
            }).orElse(-1L);
        }

        private Optional<String> first(String name) {
            for (HttpHeaders headers : hops) {
                Optional<String> value = headers.firstValue(name);
                if (value.isPresent() && !value.get().isBlank()) {
                    return value;
                }
            }
            return Optional.empty();
        }
    }

    /** huggingface_hub's {@code _normalize_etag}, also dropping a weak validator's {@code W/}. */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String value = etag.strip();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        value = value.replace("\"", "");
        return SAFE_ETAG.matcher(value).matches() ? value : null;
    }

    /**
     * Writes a body to a file as it arrives, one chunk requested at a time, hashing it on the way. Runs on the
     * HTTP client's threads; the caller watches {@link #bytes} and waits on {@link #done}.
     */
    private static final class BlobWriter implements Flow.Subscriber<List<ByteBuffer>> {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final AtomicLong bytes = new AtomicLong();
        private final FileChannel channel;
        private final MessageDigest sha256;
        private volatile Flow.Subscription subscription;

        BlobWriter(Path target) throws IOException {
            this.channel = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
            done.whenComplete((result, failure) -> closeQuietly());
        }

        @Override
        public void onSubscribe(Flow.Subscription newSubscription) {
            subscription = newSubscription;
            newSubscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            try {
                for (ByteBuffer buffer : buffers) {
                    sha256.update(buffer.duplicate());
                    int length = buffer.remaining();
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    bytes.addAndGet(length);
                }
                subscription.request(1);
            } catch (IOException e) {
                subscription.cancel();
                done.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable failure) {
            done.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            try {
                channel.force(false);
                channel.close();
                done.complete(bytes.get());
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        }

        void cancel() {
            Flow.Subscription current = subscription;
            if (current != null) {
                current.cancel();
            }
            done.completeExceptionally(new IOException("cancelled"));
        }

        /** Only meaningful once {@link #done} completed normally. */
        String sha256Hex() {
            return HexFormat.of().formatHex(sha256.digest());
        }

        private void closeQuietly() {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a download file failed", e);
            }
        }
    }

    /** Python's {@code urllib.parse.quote}: a file keeps its slashes, a revision like refs/pr/1 does not. */
    static String encode(String text, boolean keepSlashes) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean unreserved = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~' || keepSlashes && c == '/';
            if (unreserved) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return encoded.toString();
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** CDN addresses carry signatures in their query; messages and logs show the address without it. */
    static String withoutQuery(URI uri) {
        String text = uri.toString();
        int query = text.indexOf('?');
        return query < 0 ? text : text.substring(0, query) + "?...";
    }

    static String describe(String repoId, String file) {
        return file == null ? "'" + repoId + "'" : "'" + file + "' of '" + repoId + "'";
    }
}
