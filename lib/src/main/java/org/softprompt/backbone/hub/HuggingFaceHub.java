package org.softprompt.backbone.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a Hugging Face model id ({@code "gpt2"}, {@code "google/vit-base-patch16-224-in21k"}) into a local folder
 * holding the checkpoint: {@code config.json}, the safetensors weights (one file, or an index and its shards) and
 * whichever tokenizer and preprocessor files the repository has. Files come from the hub's cache, shared with
 * Python's huggingface_hub and transformers, and are downloaded into it when missing:
 * <pre>{@code
 * Path gpt2 = HuggingFaceHub.resolve("gpt2");                       // a folder is returned as it is
 * Path vit = HuggingFaceHub.snapshot("google/vit-base-patch16-224-in21k")
 *         .revision("main").progress(DownloadProgress.printingTo(System.out)).download();
 * }</pre>
 * Settings come from the environment as in Python ({@link HubSettings#fromEnvironment()}: HF_ENDPOINT, HF_HOME,
 * HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE). A revision already complete in the cache is served without any
 * request; call {@link Snapshot#refresh()} to ask the hub whether a branch has moved on. When the hub cannot be
 * reached, a usable cached copy is served with a warning. Weights stored only as PyTorch pickles
 * ({@code pytorch_model.bin}) are refused: softprompt never unpickles.
 */
public final class HuggingFaceHub {

    static final String CONFIG = "config.json";
    static final String WEIGHTS = "model.safetensors";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    /** Fetched when the repository has them; their absence is recorded so that it is not asked again. */
    static final List<String> OPTIONAL_FILES = List.of("tokenizer.json", "tokenizer_config.json", "vocab.json",
            "merges.txt", "vocab.txt", "special_tokens_map.json", "preprocessor_config.json",
            "generation_config.json");
    private static final List<String> PICKLE_WEIGHTS = List.of("pytorch_model.bin", "pytorch_model.bin.index.json");

    /** huggingface_hub's {@code validate_repo_id}: {@code name} or {@code namespace/name}, at most 96 characters. */
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?");
    private static final System.Logger LOG = System.getLogger(HuggingFaceHub.class.getName());

    private HuggingFaceHub() { }

    /** A download request for a model repository, at revision {@code main} until told otherwise. */
    public static Snapshot snapshot(String repoId) {
        return new Snapshot(checkRepoId(repoId), "main", null, null, false);
    }

    /**
     * A local checkpoint folder for {@code idOrPath}: an existing folder is returned as it is (absolute), anything
     * else is taken as a hub model id and {@linkplain Snapshot#download() downloaded} at {@code main} with the
     * environment's settings, printing progress to standard error.
     */
    public static Path resolve(String idOrPath) throws IOException {
        return resolve(idOrPath, null);
    }

    /** {@link #resolve(String)} with explicit settings (null: from the environment). */
    public static Path resolve(String idOrPath, HubSettings settings) throws IOException {
        Objects.requireNonNull(idOrPath, "idOrPath");
        Path local = Path.of(idOrPath);
        if (Files.isDirectory(local)) {
            return local.toAbsolutePath().normalize();
        }
        if (Files.exists(local)) {
            throw new IllegalArgumentException("'" + idOrPath + "' is a file; expected a checkpoint folder (with "
                    + CONFIG + " and " + WEIGHTS + ") or a Hugging Face model id such as 'gpt2'");
        }
        if (!isRepoId(idOrPath)) {
            throw new IllegalArgumentException("'" + idOrPath + "' is neither an existing folder nor a Hugging Face "
                    + "model id (like 'gpt2' or 'google/vit-base-patch16-224-in21k')");
        }
        return snapshot(idOrPath).settings(settings).progress(DownloadProgress.printingTo(System.err)).download();
    }

    /** Whether {@code text} has the form of a hub repository id. */
    public static boolean isRepoId(String text) {
        return text != null && text.length() <= 96 && REPO_ID.matcher(text).matches() && !text.contains("--")
                && !text.contains("..") && !text.startsWith(".") && !text.endsWith(".") && !text.startsWith("-")
                && !text.endsWith("-") && !text.contains("/.") && !text.contains("./");
    }

    private static String checkRepoId(String repoId) {
        if (!isRepoId(repoId)) {
            throw new IllegalArgumentException("'" + repoId + "' is not a Hugging Face repository id: expected "
                    + "'name' or 'namespace/name' of letters, digits, '-', '_' and '.', at most 96 characters, "
                    + "without '--' or '..'");
        }
        return repoId;
    }

    /** One repository at one revision; immutable, each setter returns a copy. */
    public static final class Snapshot {
        private final String repoId;
        private final String revision;
        private final HubSettings settings;
        private final DownloadProgress progress;
        private final boolean refresh;

        private Snapshot(String repoId, String revision, HubSettings settings, DownloadProgress progress,
                boolean refresh) {
            this.repoId = repoId;
            this.revision = revision;
            this.settings = settings;
            this.progress = progress;
            this.refresh = refresh;
        }

        /** A branch, a tag, a pull request ({@code refs/pr/3}) or a full 40-digit commit hash. */
        public Snapshot revision(String newRevision) {
            if (newRevision == null || newRevision.isBlank() || newRevision.contains("..")
                    || newRevision.startsWith("/") || newRevision.contains("\\")) {
                throw new IllegalArgumentException("invalid revision '" + newRevision + "' for repository " + repoId
                        + ": expected a branch, tag, refs/pr/N or commit hash");
            }
            return new Snapshot(repoId, newRevision.strip(), settings, progress, refresh);
        }

        /** Explicit settings instead of the environment's (null: the environment's). */
        public Snapshot settings(HubSettings newSettings) {
            return new Snapshot(repoId, revision, newSettings, progress, refresh);
        }

        /** Who to tell how downloads advance; nothing is reported by default. */
        public Snapshot progress(DownloadProgress newProgress) {
            return new Snapshot(repoId, revision, settings, newProgress, refresh);
        }

        /**
         * Ask the hub which commit the revision is at even when the cache holds a complete snapshot of the one it
         * was at last time: picks up a branch that moved on. Unchanged files are not downloaded again.
         */
        public Snapshot refresh() {
            return new Snapshot(repoId, revision, settings, progress, true);
        }

        public String repoId() {
            return repoId;
        }

        public String revision() {
            return revision;
        }

        /**
         * The snapshot folder {@code {cache}/models--{org}--{name}/snapshots/{commit}} with the checkpoint's files,
         * downloading those the cache lacks.
         *
         * @throws HubException when the repository, revision or a file cannot be had: not found, not allowed,
         *                      offline and not cached, only pickle weights, a broken download
         */
        public Path download() throws IOException {
            HubSettings effective = settings != null ? settings : HubSettings.fromEnvironment();
            return new Run(this, effective).download();
        }

        @Override
        public String toString() {
            return "HuggingFaceHub.Snapshot[" + repoId + "@" + revision + "]";
        }
    }

    /** What a cached snapshot lacks: required files make it unusable, optional ones only incomplete. */
    private record CacheStatus(List<String> missingRequired, List<String> missingOptional) {
        boolean usable() {
            return missingRequired.isEmpty();
        }

        boolean complete() {
            return usable() && missingOptional.isEmpty();
        }
    }

    /** One call of {@link Snapshot#download()}. */
    private static final class Run {
        private final String repoId;
        private final String revision;
        private final HubSettings settings;
        private final DownloadProgress progress;
        private final boolean refresh;
        private final HubCache cache;

        Run(Snapshot request, HubSettings settings) {
            this.repoId = request.repoId;
            this.revision = request.revision;
            this.settings = settings;
            this.progress = request.progress != null ? request.progress : DownloadProgress.NONE;
            this.refresh = request.refresh;
            this.cache = new HubCache(settings.cacheDir(), repoId);
        }

        Path download() throws IOException {
            String cachedCommit = cache.commitFor(revision);
            CacheStatus cached = cachedCommit == null ? null : inspect(cachedCommit);
            if (cached != null && (cached.complete() && !refresh || settings.offline() && cached.usable())) {
                return cache.snapshot(cachedCommit);
            }
            if (settings.offline()) {
                throw new HubException("HF_HUB_OFFLINE is set, and '" + repoId + "' at revision '" + revision
                        + "' is not in the cache " + settings.cacheDir() + (cached == null
                        ? " (no snapshot recorded for this revision)"
                        : " (snapshot " + cachedCommit + " lacks " + String.join(", ", cached.missingRequired()) + ")")
                        + ". Download it once with network access (unset HF_HUB_OFFLINE), or pass a local "
                        + "checkpoint folder instead", repoId, null, 0);
            }
            HubHttp http = new HubHttp(settings);
            HubHttp.Listing listing;
            try {
                listing = http.listing(repoId, revision);
            } catch (HubException refused) {
                throw refused;
            } catch (IOException unreachable) {
                if (cached != null && cached.usable()) {
                    LOG.log(System.Logger.Level.WARNING, "Cannot reach the Hugging Face hub ({0}); using the cached "
                            + "snapshot {1} of {2}", unreachable.getMessage(), cachedCommit, repoId);
                    return cache.snapshot(cachedCommit);
                }
                throw new HubException("Cannot reach the Hugging Face hub at " + settings.endpoint() + " to get '"
                        + repoId + "' (revision " + revision + "), and the cache " + settings.cacheDir()
                        + " has no usable copy: " + unreachable.getMessage() + ". Check the network or HF_ENDPOINT, "
                        + "or pass a local checkpoint folder", repoId, null, 0, unreachable);
            }
            fetch(listing, http);
            // Written last, so that a ref always names a usable snapshot: huggingface_hub's cache scan reports a
            // ref without its snapshot (e.g. after a refused pickle-only repository) as corruption.
            cache.writeRef(revision, listing.commit());
            return cache.snapshot(listing.commit());
        }

        /** Decides what to fetch from the hub's file list before fetching anything, then fetches what is missing. */
        private void fetch(HubHttp.Listing listing, HubHttp http) throws IOException {
            String commit = listing.commit();
            Set<String> files = listing.files();
            if (!files.contains(CONFIG)) {
                throw new HubException("Repository '" + repoId + "' at revision '" + revision + "' has no " + CONFIG
                        + ", so it is not a transformers checkpoint softprompt can load (its files: "
                        + summary(files) + ")", repoId, CONFIG, 0);
            }
            boolean sharded;
            if (files.contains(WEIGHTS)) {
                sharded = false;
            } else if (files.contains(WEIGHTS_INDEX)) {
                sharded = true;
            } else if (PICKLE_WEIGHTS.stream().anyMatch(files::contains)) {
                throw picklesOnly(files);
            } else {
                throw new HubException("Repository '" + repoId + "' at revision '" + revision + "' has no "
                        + "safetensors weights: expected " + WEIGHTS + " or " + WEIGHTS_INDEX + " (its files: "
                        + summary(files) + ")", repoId, WEIGHTS, 0);
            }
            ensure(http, commit, CONFIG);
            if (sharded) {
                ensure(http, commit, WEIGHTS_INDEX);
                for (String shard : shards(commit)) {
                    if (!files.contains(shard)) {
                        throw new HubException(WEIGHTS_INDEX + " of '" + repoId + "' names shard '" + shard
                                + "', which the repository does not have at revision '" + revision + "'",
                                repoId, shard, 0);
                    }
                    ensure(http, commit, shard);
                }
            } else {
                ensure(http, commit, WEIGHTS);
            }
            for (String optional : OPTIONAL_FILES) {
                if (files.contains(optional)) {
                    ensure(http, commit, optional);
                } else if (!cache.knownMissing(commit, optional)) {
                    cache.markMissing(commit, optional);
                }
            }
        }

        private void ensure(HubHttp http, String commit, String file) throws IOException {
            if (!cache.has(commit, file)) {
                http.download(repoId, commit, file, cache, progress);
            }
        }

        /** Judges a cached snapshot from disk alone, so that it also works offline. */
        private CacheStatus inspect(String commit) throws IOException {
            List<String> missingRequired = new ArrayList<>();
            if (!cache.has(commit, CONFIG)) {
                missingRequired.add(CONFIG);
            }
            if (!cache.has(commit, WEIGHTS)) {
                if (cache.has(commit, WEIGHTS_INDEX)) {
                    for (String shard : shards(commit)) {
                        if (!cache.has(commit, shard)) {
                            missingRequired.add(shard);
                        }
                    }
                } else {
                    missingRequired.add(WEIGHTS);
                }
            }
            List<String> missingOptional = new ArrayList<>();
            for (String optional : OPTIONAL_FILES) {
                if (!cache.has(commit, optional) && !cache.knownMissing(commit, optional)) {
                    missingOptional.add(optional);
                }
            }
            return new CacheStatus(missingRequired, missingOptional);
        }

        /** The shard files named by the cached index's {@code weight_map}, in order, each once. */
        private Set<String> shards(String commit) throws IOException {
            Path index = cache.pointer(commit, WEIGHTS_INDEX);
            JsonObject weightMap;
            try (Reader reader = Files.newBufferedReader(index, StandardCharsets.UTF_8)) {
                JsonElement root = JsonParser.parseReader(reader);
                JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
                if (map == null || !map.isJsonObject() || map.getAsJsonObject().size() == 0) {
                    throw new HubException(WEIGHTS_INDEX + " of '" + repoId + "' (" + index + ") has no "
                            + "\"weight_map\" object naming the shards", repoId, WEIGHTS_INDEX, 0);
                }
                weightMap = map.getAsJsonObject();
            } catch (RuntimeException malformed) {
                throw new HubException(WEIGHTS_INDEX + " of '" + repoId + "' (" + index + ") is not valid JSON: "
                        + malformed.getMessage(), repoId, WEIGHTS_INDEX, 0, malformed);
            }
            Set<String> shards = new TreeSet<>();
            for (var entry : weightMap.entrySet()) {
                if (!entry.getValue().isJsonPrimitive()) {
                    throw new HubException(WEIGHTS_INDEX + " of '" + repoId + "' maps tensor '" + entry.getKey()
                            + "' to " + entry.getValue() + "; expected a shard file name", repoId, WEIGHTS_INDEX, 0);
                }
                String shard = entry.getValue().getAsString();
                try {
                    cache.pointer(commit, shard); // refuses names that would leave the snapshot folder
                } catch (IllegalArgumentException unsafe) {
                    throw new HubException(WEIGHTS_INDEX + " of '" + repoId + "' maps tensor '" + entry.getKey()
                            + "' to an unsafe file name: " + unsafe.getMessage(), repoId, WEIGHTS_INDEX, 0, unsafe);
                }
                shards.add(shard);
            }
            return shards;
        }

        private HubException picklesOnly(Set<String> files) {
            String pickle = PICKLE_WEIGHTS.stream().filter(files::contains).findFirst().orElseThrow();
            return new HubException("Repository '" + repoId + "' at revision '" + revision + "' has its weights "
                    + "only as a PyTorch pickle (" + pickle + "), not as safetensors. softprompt never unpickles "
                    + "checkpoints: loading a pickle can run arbitrary code. Convert it once with Python: "
                    + "transformers' AutoModel.from_pretrained(\"" + repoId + "\").save_pretrained(\"some/folder\", "
                    + "safe_serialization=True), then pass that folder instead of the id; or let the hub convert "
                    + "it (the safetensors conversion Space, https://huggingface.co/spaces/safetensors/convert, "
                    + "opens a pull request) and use .revision(\"refs/pr/N\") with that pull request's number",
                    repoId, pickle, 0);
        }

        private static String summary(Set<String> files) {
            if (files.isEmpty()) {
                return "none";
            }
            List<String> sorted = new ArrayList<>(new TreeSet<>(files));
            return sorted.size() <= 20 ? String.join(", ", sorted)
                    : String.join(", ", sorted.subList(0, 20)) + ", ... (" + sorted.size() + " in all)";
        }
    }
}
