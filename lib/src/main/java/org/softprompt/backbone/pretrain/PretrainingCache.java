package org.softprompt.backbone.pretrain;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.softprompt.backbone.easybert.EasyBert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Pretrained checkpoints kept by configuration: a folder {@code <root>/pretrained/<kind>-<hash>} whose name carries
 * a hash of the complete configuration (data, vocabulary, model, optimization, seed), so any change of a setting
 * trains anew and an unchanged one is found again.
 *
 * <p>A folder only appears when it is complete: it is built under a temporary name in the same parent and renamed
 * in one step, and {@link #REPORT_FILE} is written last inside it. A run that fails leaves nothing behind. A lock
 * file per entry makes a second process (another notebook) wait for the first one's result instead of training the
 * same model twice.
 */
public final class PretrainingCache {
    /** The JSON report written into every finished folder; its presence marks the folder as complete. */
    public static final String REPORT_FILE = "pretraining.json";
    static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** Builds a checkpoint into an empty folder and returns the report to store with it. */
    @FunctionalInterface
    public interface Builder {
        JsonObject build(Path emptyFolder) throws IOException;
    }

    private final Path root;

    public PretrainingCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The cache under the models folder that {@link EasyBert#cacheRoot()} uses (SOFTPROMPT_MODELS etc.). */
    public static PretrainingCache standard() {
        return new PretrainingCache(EasyBert.cacheRoot().resolve("pretrained"));
    }

    public Path root() {
        return root;
    }

    /** The folder of a configuration, existing or not. */
    public Path folder(String kind, JsonObject configuration) {
        return root.resolve(kind + "-" + hash(configuration));
    }

    /** The finished folder of a configuration, if one exists. */
    public Optional<Path> find(String kind, JsonObject configuration) {
        Path folder = folder(kind, configuration);
        return Files.isRegularFile(folder.resolve(REPORT_FILE)) ? Optional.of(folder) : Optional.empty();
    }

    /**
     * The finished folder of {@code configuration}, built first by {@code builder} when absent. The configuration
     * is stored in the report under "configuration".
     */
    public Path ensure(String kind, JsonObject configuration, Builder builder) throws IOException {
        Optional<Path> existing = find(kind, configuration);
        if (existing.isPresent()) {
            return existing.get();
        }
        Files.createDirectories(root);
        Path target = folder(kind, configuration);
        // One JVM: the monitor; several JVMs: the file lock (FileLock alone throws within one JVM).
        synchronized (PretrainingCache.class) {
            try (FileChannel channel = FileChannel.open(root.resolve(target.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                existing = find(kind, configuration);
                if (existing.isPresent()) {
                    return existing.get();
                }
                deleteAbandoned(target);
                Path temp = Files.createTempDirectory(root, "." + target.getFileName() + ".partial-");
                try {
                    JsonObject report = builder.build(temp);
                    report.add("configuration", configuration.deepCopy());
                    report.addProperty("configuration_hash", hash(configuration));
                    writeJson(temp.resolve(REPORT_FILE), report);
                    makeReadable(temp);
                    if (Files.exists(target)) {
                        // an unfinished folder of an older version without a report: replace it
                        deleteRecursively(target);
                    }
                    move(temp, target);
                    return target;
                } finally {
                    if (Files.exists(temp)) {
                        deleteRecursively(temp);
                    }
                }
            }
        }
    }

    /**
     * Deletes what a killed process left while building {@code target}: its partial folders. Only called with the
     * entry's lock held, so no live build owns them.
     */
    private void deleteAbandoned(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".partial-";
        try (Stream<Path> siblings = Files.list(root)) {
            for (Path partial : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                deleteRecursively(partial);
            }
        }
    }

    /**
     * Temporary folders and files are created private (rwx------ / rw-------); a cached model is read by whoever
     * shares the cache, like a downloaded one, so it gets the usual rwxr-xr-x / rw-r--r--.
     */
    private static void makeReadable(Path folder) throws IOException {
        if (!folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** The report of a finished folder. */
    public static JsonObject readReport(Path folder) {
        Path file = folder.resolve(REPORT_FILE);
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new IllegalStateException(file + " is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new IllegalStateException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The first 16 hex digits of SHA-256 over the configuration written with sorted keys, so the same settings
     * give the same name whatever order they were put in.
     */
    public static String hash(JsonObject configuration) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(new Gson().toJson(sorted(configuration)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static JsonElement sorted(JsonElement element) {
        if (element.isJsonObject()) {
            Map<String, JsonElement> entries = new TreeMap<>();
            element.getAsJsonObject().entrySet().forEach(e -> entries.put(e.getKey(), sorted(e.getValue())));
            JsonObject out = new JsonObject();
            entries.forEach(out::add);
            return out;
        }
        if (element.isJsonArray()) {
            com.google.gson.JsonArray out = new com.google.gson.JsonArray();
            element.getAsJsonArray().forEach(e -> out.add(sorted(e)));
            return out;
        }
        return element;
    }

    static void writeJson(Path file, JsonObject json) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(temp, PRETTY.toJson(json) + "\n", StandardCharsets.UTF_8);
            move(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void move(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target);
        } catch (FileAlreadyExistsException e) {
            if (Files.isRegularFile(source)) {
                Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                throw e;
            }
        }
    }

    private static void deleteRecursively(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
