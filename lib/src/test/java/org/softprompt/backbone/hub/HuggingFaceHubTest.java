package org.softprompt.backbone.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads from {@link FakeHub}, a loopback imitation of the hub's HTTP behaviour, and checks the cache layout
 * that huggingface_hub documents (blobs named by etag, relative snapshot links, refs, .no_exist markers).
 */
class HuggingFaceHubTest {

    private static final byte[] CONFIG = "{\"model_type\": \"gpt2\", \"n_layer\": 3}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] TOKENIZER = "{\"version\": \"1.0\", \"model\": {}}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VOCAB = "{\"a\": 0, \"b\": 1}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MERGES = "#version: 0.2\na b\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path cacheDir;

    private FakeHub hub;
    private HubSettings settings;

    @BeforeEach
    void startHub() throws IOException {
        hub = new FakeHub();
        settings = new HubSettings(hub.endpoint(), cacheDir, null, false, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    /** Distinct pseudo-random contents, large enough to arrive in many chunks. */
    private static byte[] weights(int seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private String gpt2Like(String repoId, byte[] weights) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(".gitattributes", "*.bin filter=lfs".getBytes(StandardCharsets.UTF_8));
        files.put("README.md", "# a model".getBytes(StandardCharsets.UTF_8));
        files.put("config.json", CONFIG);
        files.put("model.safetensors", weights);
        files.put("pytorch_model.bin", weights(99, 1000));
        files.put("tokenizer.json", TOKENIZER);
        files.put("vocab.json", VOCAB);
        files.put("merges.txt", MERGES);
        return hub.repo(repoId).commit("main", files);
    }

    private static String symlinkTarget(Path link) throws IOException {
        assertTrue(Files.isSymbolicLink(link), link + " should be a symlink");
        return Files.readSymbolicLink(link).toString();
    }

    @Test
    void downloadsACheckpointIntoTheHubCacheLayout() throws IOException {
        byte[] weights = weights(1, 700_000);
        String commit = gpt2Like("gpt2", weights);
        List<String> reports = new ArrayList<>();

        Path snapshot = HuggingFaceHub.snapshot("gpt2").settings(settings.withToken(FakeHub.TOKEN))
                .progress((repo, file, done, total) -> reports.add(file + " " + done + "/" + total)).download();

        Path repoFolder = cacheDir.resolve("models--gpt2");
        assertEquals(repoFolder.resolve("snapshots").resolve(commit), snapshot);
        assertEquals(commit, Files.readString(repoFolder.resolve("refs/main")), "refs/main holds the bare hash");
        String weightsBlob = FakeHub.sha256Hex(weights);
        assertEquals("../../blobs/" + weightsBlob, symlinkTarget(snapshot.resolve("model.safetensors")));
        assertEquals("../../blobs/" + FakeHub.gitBlobId(CONFIG), symlinkTarget(snapshot.resolve("config.json")));
        assertEquals("../../blobs/" + FakeHub.gitBlobId(MERGES), symlinkTarget(snapshot.resolve("merges.txt")));
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertArrayEquals(CONFIG, Files.readAllBytes(snapshot.resolve("config.json")));
        assertArrayEquals(TOKENIZER, Files.readAllBytes(snapshot.resolve("tokenizer.json")));
        assertArrayEquals(VOCAB, Files.readAllBytes(snapshot.resolve("vocab.json")));
        assertArrayEquals(MERGES, Files.readAllBytes(snapshot.resolve("merges.txt")));
        try (Stream<Path> files = Files.list(snapshot)) {
            assertEquals(List.of("config.json", "merges.txt", "model.safetensors", "tokenizer.json", "vocab.json"),
                    files.map(path -> path.getFileName().toString()).sorted().toList(),
                    "neither the pickle nor files outside the checkpoint are fetched");
        }
        for (String absent : List.of("vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                "preprocessor_config.json", "generation_config.json")) {
            Path marker = repoFolder.resolve(".no_exist").resolve(commit).resolve(absent);
            assertTrue(Files.isRegularFile(marker) && !Files.isSymbolicLink(marker), absent + " marked missing");
            assertEquals(0, Files.size(marker));
        }
        try (Stream<Path> blobs = Files.list(repoFolder.resolve("blobs"))) {
            assertEquals(5, blobs.filter(path -> !path.toString().endsWith(".incomplete")).count());
        }
        assertNoIncompleteFiles(repoFolder);

        assertEquals(1, hub.count("HUB /api/models/gpt2/revision/main"));
        assertEquals(5, hub.count("HUB /gpt2/resolve/" + commit + "/"), "every file is fetched at the listed commit");
        assertEquals(1, hub.count("CDN /cdn/" + weightsBlob), "the LFS file comes from the CDN, without the token");
        assertTrue(hub.authorizationsSeenByHub.stream().allMatch(("Bearer " + FakeHub.TOKEN)::equals));
        assertTrue(reports.contains("model.safetensors 700000/700000"), "completion reported: " + reports);
        assertTrue(reports.contains("config.json " + CONFIG.length + "/" + CONFIG.length));
    }

    @Test
    void aSecondCallIsServedFromTheCacheWithoutAnyRequest() throws IOException {
        String commit = gpt2Like("gpt2", weights(2, 50_000));
        Path first = HuggingFaceHub.snapshot("gpt2").settings(settings).download();
        hub.requests.clear();

        assertEquals(first, HuggingFaceHub.snapshot("gpt2").settings(settings).download());
        assertEquals(first, HuggingFaceHub.snapshot("gpt2").revision(commit).settings(settings).download());
        assertEquals(first, HuggingFaceHub.resolve("gpt2", settings));
        assertEquals(List.of(), hub.requests);
    }

    @Test
    void aShardedCheckpointBringsItsIndexAndEveryShard() throws IOException {
        byte[] shard1 = weights(3, 120_000);
        byte[] shard2 = weights(4, 80_000);
        String index = "{\"metadata\": {\"total_size\": 200000}, \"weight_map\": {"
                + "\"h.0.attn.weight\": \"model-00001-of-00002.safetensors\", "
                + "\"h.0.mlp.weight\": \"model-00001-of-00002.safetensors\", "
                + "\"h.1.attn.weight\": \"model-00002-of-00002.safetensors\"}}";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", CONFIG);
        files.put("model.safetensors.index.json", index.getBytes(StandardCharsets.UTF_8));
        files.put("model-00001-of-00002.safetensors", shard1);
        files.put("model-00002-of-00002.safetensors", shard2);
        files.put("preprocessor_config.json", "{\"size\": 224}".getBytes(StandardCharsets.UTF_8));
        String commit = hub.repo("google/vit-tiny").commit("main", files);

        Path snapshot = HuggingFaceHub.snapshot("google/vit-tiny").settings(settings).download();

        assertEquals(cacheDir.resolve("models--google--vit-tiny/snapshots").resolve(commit), snapshot);
        assertArrayEquals(shard1, Files.readAllBytes(snapshot.resolve("model-00001-of-00002.safetensors")));
        assertArrayEquals(shard2, Files.readAllBytes(snapshot.resolve("model-00002-of-00002.safetensors")));
        assertEquals(index, Files.readString(snapshot.resolve("model.safetensors.index.json")));
        assertTrue(Files.isRegularFile(snapshot.resolve("preprocessor_config.json")));
        assertEquals(2, hub.count("CDN /cdn/"), "each shard once");
        hub.requests.clear();
        assertEquals(snapshot, HuggingFaceHub.snapshot("google/vit-tiny").settings(settings).download());
        assertEquals(List.of(), hub.requests, "a complete sharded snapshot is recognised from disk");
    }

    @Test
    void aRepositoryWithOnlyPickleWeightsIsRefusedWithAWayOut() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", CONFIG);
        files.put("pytorch_model.bin", weights(5, 2000));
        files.put("vocab.txt", "[PAD]\n[UNK]\n".getBytes(StandardCharsets.UTF_8));
        hub.repo("old/bert").commit("main", files);

        HubException refused = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("old/bert").settings(settings).download());

        String message = refused.getMessage();
        assertTrue(message.contains("'old/bert'") && message.contains("pytorch_model.bin"), message);
        assertTrue(message.contains("never unpickles"), message);
        assertTrue(message.contains("save_pretrained(") && message.contains("safe_serialization=True"), message);
        assertTrue(message.contains("refs/pr/"), message);
        assertEquals("pytorch_model.bin", refused.file());
        assertEquals(1, hub.requests.size(), "decided from the file list alone: " + hub.requests);
        assertFalse(Files.exists(cacheDir.resolve("models--old--bert")), "no ref without a snapshot is left");
    }

    @Test
    void anUnknownRepositoryIsReportedAsNotFound() {
        HubException missing = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("nobody/nothing").settings(settings).download());

        assertEquals(404, missing.httpStatus());
        assertEquals("nobody/nothing", missing.repoId());
        assertTrue(missing.getMessage().contains("'nobody/nothing' was not found"), missing.getMessage());
        assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
        assertFalse(Files.exists(cacheDir.resolve("models--nobody--nothing/refs")));
    }

    @Test
    void anUnknownRevisionIsReportedAsSuch() {
        gpt2Like("gpt2", weights(6, 1000));
        HubException missing = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("gpt2").revision("v9").settings(settings).download());

        assertEquals(404, missing.httpStatus());
        assertTrue(missing.getMessage().contains("Revision 'v9' was not found in repository 'gpt2'"),
                missing.getMessage());
    }

    @Test
    void aPrivateRepositoryNeedsTheToken() throws IOException {
        gpt2Like("me/private-model", weights(7, 30_000));
        hub.repo("me/private-model").isPrivate = true;

        HubException anonymous = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("me/private-model").settings(settings).download());
        assertEquals(401, anonymous.httpStatus());
        assertTrue(anonymous.getMessage().contains("HF_TOKEN"), anonymous.getMessage());

        HubException wrongToken = assertThrows(HubException.class, () -> HuggingFaceHub.snapshot("me/private-model")
                .settings(settings.withToken("hf_wrong")).download());
        assertEquals(401, wrongToken.httpStatus());
        assertTrue(wrongToken.getMessage().contains("refused the token in HF_TOKEN"), wrongToken.getMessage());
        assertTrue(wrongToken.getMessage().contains("Invalid credentials"), wrongToken.getMessage());

        Path snapshot = HuggingFaceHub.snapshot("me/private-model").settings(settings.withToken(FakeHub.TOKEN))
                .download();
        assertArrayEquals(CONFIG, Files.readAllBytes(snapshot.resolve("config.json")));
    }

    @Test
    void offlineModeUsesOnlyTheCache() throws IOException {
        String commit = gpt2Like("gpt2", weights(8, 20_000));
        HubSettings offline = settings.withOffline(true);

        HubException notCached = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("gpt2").settings(offline).download());
        assertTrue(notCached.getMessage().contains("HF_HUB_OFFLINE"), notCached.getMessage());
        assertTrue(notCached.getMessage().contains("'gpt2'") && notCached.getMessage().contains(cacheDir.toString()),
                notCached.getMessage());
        assertEquals(List.of(), hub.requests);

        Path online = HuggingFaceHub.snapshot("gpt2").settings(settings).download();
        hub.requests.clear();
        assertEquals(online, HuggingFaceHub.snapshot("gpt2").settings(offline).download());
        assertEquals(online, HuggingFaceHub.snapshot("gpt2").revision(commit).settings(offline).download());
        assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("gpt2").revision("other-branch").settings(offline).download());
        assertEquals(List.of(), hub.requests);
    }

    @Test
    void offlineModeAcceptsASnapshotWithoutOptionalFiles() throws IOException {
        String commit = gpt2Like("gpt2", weights(9, 20_000));
        Path snapshot = HuggingFaceHub.snapshot("gpt2").settings(settings).download();
        // As a cache filled by transformers may look: weights and config, but no record of the tokenizer files.
        Files.delete(snapshot.resolve("tokenizer.json"));
        deleteRecursively(cacheDir.resolve("models--gpt2/.no_exist"));
        hub.requests.clear();

        assertEquals(snapshot, HuggingFaceHub.snapshot("gpt2").settings(settings.withOffline(true)).download());
        assertEquals(List.of(), hub.requests);

        // Online, the missing tokenizer file is fetched and nothing else.
        assertEquals(snapshot, HuggingFaceHub.snapshot("gpt2").settings(settings).download());
        assertEquals(List.of("HUB /api/models/gpt2/revision/main", "HUB /gpt2/resolve/" + commit + "/tokenizer.json"),
                hub.requests);
    }

    @Test
    void aTruncatedDownloadLeavesNothingInTheSnapshot() throws IOException {
        byte[] weights = weights(10, 400_000);
        String commit = gpt2Like("gpt2", weights);
        hub.truncated.add("model.safetensors");

        HubException broken = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("gpt2").settings(settings).download());

        assertEquals("model.safetensors", broken.file());
        assertTrue(broken.getMessage().contains("'model.safetensors' from 'gpt2'"), broken.getMessage());
        assertTrue(broken.getMessage().contains("of 400000 bytes"), broken.getMessage());
        Path repoFolder = cacheDir.resolve("models--gpt2");
        assertFalse(Files.exists(repoFolder.resolve("snapshots").resolve(commit).resolve("model.safetensors"),
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(repoFolder.resolve("blobs").resolve(FakeHub.sha256Hex(weights))));
        assertNoIncompleteFiles(repoFolder);

        // The next attempt, with the transfer working again, completes the snapshot.
        hub.truncated.clear();
        Path snapshot = HuggingFaceHub.snapshot("gpt2").settings(settings).download();
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
    }

    @Test
    void aCorruptDownloadIsCaughtByItsSha256() throws IOException {
        byte[] weights = weights(11, 100_000);
        String commit = gpt2Like("gpt2", weights);
        hub.corrupted.add("model.safetensors");

        HubException corrupt = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("gpt2").settings(settings).download());

        assertTrue(corrupt.getMessage().contains("SHA-256") && corrupt.getMessage().contains(FakeHub.sha256Hex(weights)),
                corrupt.getMessage());
        Path repoFolder = cacheDir.resolve("models--gpt2");
        assertFalse(Files.exists(repoFolder.resolve("snapshots").resolve(commit).resolve("model.safetensors"),
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertNoIncompleteFiles(repoFolder);
    }

    @Test
    void aStalledDownloadIsAbandoned() throws IOException {
        gpt2Like("gpt2", weights(12, 300_000));
        hub.stalled.add("model.safetensors");
        HubSettings impatient = settings.withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300));

        HubException stalled = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("gpt2").settings(impatient).download());

        assertTrue(stalled.getMessage().contains("stalled") && stalled.getMessage().contains("150000 of 300000"),
                stalled.getMessage());
        assertNoIncompleteFiles(cacheDir.resolve("models--gpt2"));
    }

    @Test
    void refreshFollowsAMovedBranchAndReusesUnchangedBlobs() throws IOException {
        byte[] weights = weights(13, 200_000);
        String oldCommit = gpt2Like("gpt2", weights);
        Path oldSnapshot = HuggingFaceHub.snapshot("gpt2").settings(settings).download();

        byte[] newConfig = "{\"model_type\": \"gpt2\", \"n_layer\": 4}".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> files = new LinkedHashMap<>(hub.repo("gpt2").commits.get(oldCommit));
        files.put("config.json", newConfig);
        String newCommit = hub.repo("gpt2").commit("main", files);
        hub.requests.clear();

        assertEquals(oldSnapshot, HuggingFaceHub.snapshot("gpt2").settings(settings).download(),
                "without refresh the cached commit is served");
        assertEquals(List.of(), hub.requests);
        Path newSnapshot = HuggingFaceHub.snapshot("gpt2").settings(settings).refresh().download();

        assertNotEquals(oldCommit, newCommit);
        assertEquals(cacheDir.resolve("models--gpt2/snapshots").resolve(newCommit), newSnapshot);
        assertEquals(newCommit, Files.readString(cacheDir.resolve("models--gpt2/refs/main")));
        assertArrayEquals(newConfig, Files.readAllBytes(newSnapshot.resolve("config.json")));
        assertArrayEquals(CONFIG, Files.readAllBytes(oldSnapshot.resolve("config.json")), "the old snapshot stays");
        assertEquals(symlinkTarget(oldSnapshot.resolve("model.safetensors")),
                symlinkTarget(newSnapshot.resolve("model.safetensors")), "both commits share the weights blob");
        assertEquals(0, hub.count("CDN "), "the unchanged weights are not downloaded again");
    }

    @Test
    void aRenamedRepositoryIsFollowedWithItsToken() throws IOException {
        String commit = gpt2Like("new-org/model", weights(17, 40_000));
        hub.repo("new-org/model").isPrivate = true;
        hub.renamed.put("old-org/model", "new-org/model");

        Path snapshot = HuggingFaceHub.snapshot("old-org/model").settings(settings.withToken(FakeHub.TOKEN))
                .download();

        // huggingface_hub keeps files under the id that was asked for.
        assertEquals(cacheDir.resolve("models--old-org--model/snapshots").resolve(commit), snapshot);
        assertArrayEquals(CONFIG, Files.readAllBytes(snapshot.resolve("config.json")));
        assertEquals(1, hub.count("HUB /api/models/new-org/model/revision/main"));
    }

    @Test
    void aPullRequestRevisionIsRecordedUnderRefs() throws IOException {
        gpt2Like("gpt2", weights(14, 1000));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", CONFIG);
        files.put("model.safetensors", weights(15, 3000));
        String prCommit = hub.repo("gpt2").commit("refs/pr/1", files);

        Path snapshot = HuggingFaceHub.snapshot("gpt2").revision("refs/pr/1").settings(settings).download();

        assertEquals(cacheDir.resolve("models--gpt2/snapshots").resolve(prCommit), snapshot);
        assertEquals(prCommit, Files.readString(cacheDir.resolve("models--gpt2/refs/refs/pr/1")));
        assertEquals(1, hub.count("HUB /api/models/gpt2/revision/refs%2Fpr%2F1"), "the revision is one URL segment");
    }

    @Test
    void anUnreachableHubFallsBackToAUsableCachedSnapshot() throws IOException {
        gpt2Like("gpt2", weights(16, 10_000));
        Path snapshot = HuggingFaceHub.snapshot("gpt2").settings(settings).download();
        HubSettings unreachable = settings.withEndpoint(closedPortEndpoint());

        assertEquals(snapshot, HuggingFaceHub.snapshot("gpt2").settings(unreachable).refresh().download());

        HubException noCopy = assertThrows(HubException.class,
                () -> HuggingFaceHub.snapshot("other/model").settings(unreachable).download());
        assertTrue(noCopy.getMessage().contains("Cannot reach the Hugging Face hub at " + unreachable.endpoint()),
                noCopy.getMessage());
        assertTrue(noCopy.getMessage().contains("'other/model'"), noCopy.getMessage());
    }

    @Test
    void resolveReturnsAnExistingFolderAsItIs(@TempDir Path checkpoint) throws IOException {
        assertEquals(checkpoint.toAbsolutePath().normalize(), HuggingFaceHub.resolve(checkpoint.toString(), settings));
        Path file = Files.writeString(checkpoint.resolve("config.json"), "{}");
        IllegalArgumentException notAFolder = assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceHub.resolve(file.toString(), settings));
        assertTrue(notAFolder.getMessage().contains("is a file"), notAFolder.getMessage());
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceHub.resolve("no/such/folder", settings));
        assertTrue(neither.getMessage().contains("neither an existing folder nor a Hugging Face model id"));
        assertEquals(List.of(), hub.requests);
    }

    @Test
    void repositoryIdsAreCheckedLikeHuggingFaceHubDoes() {
        for (String valid : List.of("gpt2", "bert-base-cased", "google/vit-base-patch16-224-in21k", "roberta-large",
                "EleutherAI/gpt-neo-125m", "a_b.c")) {
            assertTrue(HuggingFaceHub.isRepoId(valid), valid);
        }
        for (String invalid : List.of("", "a/b/c", "a--b", "a..b", "/gpt2", "gpt2/", "-gpt2", "gpt2.", "a b",
                "x".repeat(97))) {
            assertFalse(HuggingFaceHub.isRepoId(invalid), invalid);
        }
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceHub.snapshot("a--b"));
        assertThrows(IllegalArgumentException.class, () -> HuggingFaceHub.snapshot("gpt2").revision("../../x"));
    }

    /** A loopback address where nothing listens: bound once, then released. */
    private static URI closedPortEndpoint() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        return URI.create("http://127.0.0.1:" + port);
    }

    private static void assertNoIncompleteFiles(Path repoFolder) throws IOException {
        if (!Files.exists(repoFolder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(repoFolder)) {
            List<Path> leftovers = all.filter(path -> path.getFileName().toString().endsWith(".incomplete")
                    || path.getFileName().toString().endsWith(".tmp")).toList();
            assertEquals(List.of(), leftovers);
        }
    }

    private static void deleteRecursively(Path folder) throws IOException {
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
