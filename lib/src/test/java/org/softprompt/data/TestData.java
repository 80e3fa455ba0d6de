package org.softprompt.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the real data sets for tests, or skips the test with a message saying how to provide them. */
final class TestData {
    private TestData() {}

    /** The data directory: {@code <softprompt.shared>/data} (set by surefire), else {@link DataDirectory#root()}. */
    static Path root() {
        String shared = System.getProperty("softprompt.shared");
        if (shared != null && Files.isRegularFile(Path.of(shared, "data", "README.md"))) {
            return Path.of(shared, "data").toAbsolutePath().normalize();
        }
        try {
            return DataDirectory.root();
        } catch (IllegalStateException e) {
            assumeTrue(false, "Skipped: no data directory (" + e.getMessage() + ")");
            throw e;
        }
    }

    /** A data set folder; skips the test if it is absent. */
    static Path dataset(String name) {
        Path folder = root().resolve(name);
        assumeTrue(Files.isDirectory(folder), "Skipped: data set folder " + folder + " is absent");
        return folder;
    }
}
