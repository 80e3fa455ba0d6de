package org.softprompt;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference material beside the repository (../shared: hf-fixtures, data, metric-fixtures), which Surefire
 * names with the system property {@code softprompt.shared}. A test that needs a folder that is not there is
 * skipped, with a message naming the folder.
 */
public final class SharedFixtures {
    private SharedFixtures() {}

    /** shared/{first}/{more...}, or the test is skipped. */
    public static Path folder(String first, String... more) {
        String shared = System.getProperty("softprompt.shared");
        assumeTrue(shared != null, "system property softprompt.shared is not set");
        Path dir = Path.of(shared, first).resolve(Path.of("", more));
        assumeTrue(Files.isDirectory(dir), dir + " is missing");
        return dir;
    }

    /** A checkpoint written by Hugging Face transformers: shared/hf-fixtures/{name}. */
    public static Path hfFixture(String name) {
        return folder("hf-fixtures", name);
    }
}
