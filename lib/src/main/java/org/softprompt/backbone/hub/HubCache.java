package org.softprompt.backbone.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * One model repository in the Hugging Face hub cache, laid out exactly as Python's huggingface_hub lays it out
 * (see the hub's "Hub Local Cache" reference), so that Python and Java read and fill the same files:
 * <pre>
 * {cacheDir}/models--{org}--{name}/
 *   blobs/{etag}                          file contents, named by git SHA-1 (small files) or SHA-256 (LFS)
 *   refs/{revision}                       a branch or tag's commit hash, 40 hex digits, no newline
 *   snapshots/{commit}/{file}             a relative symlink to ../../blobs/{etag} (a copy where links fail)
 *   .no_exist/{commit}/{file}             an empty marker: the file does not exist at that commit
 * </pre>
 * Every file appears under its final name only when complete: blobs are written to a temporary
 * {@code *.incomplete} file in {@code blobs/} and moved into place, links and refs likewise.
 */
final class HubCache {

    private static final Pattern COMMIT_HASH = Pattern.compile("[0-9a-f]{40}");

    private final String repoId;
    private final Path folder;

    HubCache(Path cacheDir, String repoId) {
        this.repoId = repoId;
        this.folder = cacheDir.resolve(folderName(repoId));
    }

    /** huggingface_hub's {@code repo_folder_name}: {@code gpt2 -> models--gpt2}, {@code a/b -> models--a--b}. */
    static String folderName(String repoId) {
        return "models--" + repoId.replace("/", "--");
    }

    static boolean isCommitHash(String revision) {
        return COMMIT_HASH.matcher(revision).matches();
    }

    Path folder() {
        return folder;
    }

    /**
     * The commit a revision stands for as far as the cache knows: a commit hash stands for itself, a branch or
     * tag for what {@code refs/} recorded; null when the cache has no record of it.
     */
    String commitFor(String revision) throws IOException {
        if (isCommitHash(revision)) {
            return revision;
        }
        Path ref = relative(folder.resolve("refs"), revision, "revision");
        if (!Files.isRegularFile(ref)) {
            return null;
        }
        String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
        // A ref that is not a commit hash was not written by huggingface_hub or by us: ask the hub again.
        return isCommitHash(commit) ? commit : null;
    }

    /** Records that {@code revision} is at {@code commit}; left alone when already so (the cache may be read-only). */
    void writeRef(String revision, String commit) throws IOException {
        if (isCommitHash(revision) || commit.equals(commitFor(revision))) {
            return;
        }
        Path ref = relative(folder.resolve("refs"), revision, "revision");
        Files.createDirectories(ref.getParent());
        Path temp = Files.createTempFile(ref.getParent(), ".ref-", ".tmp");
        try {
            Files.writeString(temp, commit, StandardCharsets.UTF_8);
            Files.move(temp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    Path snapshot(String commit) {
        return folder.resolve("snapshots").resolve(commit);
    }

    /** Where a repository file of a commit appears; refuses names that would leave the snapshot folder. */
    Path pointer(String commit, String file) {
        return relative(snapshot(commit), file, "file name");
    }

    /** Whether the snapshot holds the file; a link whose blob is gone does not count. */
    boolean has(String commit, String file) {
        return Files.isRegularFile(pointer(commit, file));
    }

    boolean knownMissing(String commit, String file) {
        return Files.exists(relative(folder.resolve(".no_exist").resolve(commit), file, "file name"));
    }

    void markMissing(String commit, String file) throws IOException {
        Path marker = relative(folder.resolve(".no_exist").resolve(commit), file, "file name");
        Files.createDirectories(marker.getParent());
        try {
            Files.createFile(marker);
        } catch (FileAlreadyExistsException alreadyMarked) {
            // another process marked it first: same meaning
        }
    }

    Path blob(String etag) {
        return relative(folder.resolve("blobs"), etag, "blob name");
    }

    /** Whether a complete blob is already present (from another revision, or put there by Python). */
    boolean hasBlob(String etag, long expectedSize) throws IOException {
        Path blob = blob(etag);
        return Files.isRegularFile(blob) && (expectedSize < 0 || Files.size(blob) == expectedSize);
    }

    /**
     * A fresh temporary file in {@code blobs/} for a download. Its name is unique so that two processes fetching
     * the same blob cannot write into one file; each moves its own complete copy into place.
     */
    Path newIncompleteBlob(String etag) throws IOException {
        Path blobs = folder.resolve("blobs");
        Files.createDirectories(blobs);
        return Files.createTempFile(blobs, (etag == null ? "download" : etag) + ".", ".incomplete");
    }

    /** Moves a verified download to {@code blobs/{name}}; an identical blob already there is simply replaced. */
    Path commitBlob(Path incomplete, String name) throws IOException {
        Path blob = blob(name);
        Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return blob;
    }

    /**
     * Makes {@code snapshots/{commit}/{file}} point at {@code blobs/{blobName}} with a relative symlink, as
     * huggingface_hub does so that the cache folder can be moved. Where the file system refuses symlinks
     * (Windows without developer mode) the file is copied instead, or moved when the blob was just downloaded.
     */
    void link(String commit, String file, String blobName, boolean newBlob) throws IOException {
        Path blob = blob(blobName);
        Path pointer = pointer(commit, file);
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        Path temp = pointer.resolveSibling("." + pointer.getFileName() + "." + Long.toHexString(System.nanoTime())
                + ".tmp");
        try {
            try {
                Files.createSymbolicLink(temp, target);
            } catch (UnsupportedOperationException | FileSystemException noSymlinks) {
                if (noSymlinks instanceof FileAlreadyExistsException) {
                    throw (FileAlreadyExistsException) noSymlinks;
                }
                if (newBlob) {
                    Files.move(blob, temp, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.copy(blob, temp, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            // rename(2) replaces an older link atomically: readers see the old file or the new, never neither.
            Files.move(temp, pointer, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Resolves a slash-separated name from the hub (a file in the repository, a revision like {@code refs/pr/1})
     * below {@code base}, refusing anything that could escape it: an index file from the network names the
     * shards, and must not be able to make us write {@code ../../.bashrc}.
     */
    private Path relative(Path base, String name, String what) {
        if (name == null || name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains("\0")) {
            throw new IllegalArgumentException("invalid " + what + " '" + name + "' for repository " + repoId);
        }
        Path path = base;
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("invalid " + what + " '" + name + "' for repository " + repoId
                        + ": empty, '.' and '..' path segments are not allowed");
            }
            path = path.resolve(part);
        }
        return path;
    }
}
