package org.softprompt.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the real data sets are read from. The project never ships data: it is told where a data directory is,
 * by the system property {@code softprompt.data} or the environment variable {@code SOFTPROMPT_DATA}; without
 * either, {@code data/} of the working tree (where downloads land) and then {@code ../shared/data} are tried.
 */
public final class DataDirectory {
    public static final String PROPERTY = "softprompt.data";
    public static final String ENV = "SOFTPROMPT_DATA";

    private DataDirectory() {}

    /** The data directory, or an error that says how to point softprompt at one. */
    public static Path root() {
        String configured = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
            source = "environment variable " + ENV;
        }
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(path)) {
                throw new IllegalStateException(source + " points at " + path + ", which is not a directory");
            }
            return path;
        }
        for (Path candidate : new Path[] {Path.of("data"), Path.of("../data"), Path.of("../shared/data"),
                Path.of("../../shared/data")}) {
            if (Files.isRegularFile(candidate.resolve("README.md")) && Files.isDirectory(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("No data directory: set " + ENV + " (or -D" + PROPERTY
                + ") to the folder that holds the data sets, e.g. ../shared/data");
    }

    /** A required data set folder, e.g. {@code dataset("e2e")}, or an error naming what is missing. */
    public static Path dataset(String name) {
        Path path = root().resolve(name);
        if (!Files.isDirectory(path)) {
            throw new IllegalStateException("Data set '" + name + "' not found: expected the folder " + path);
        }
        return path;
    }
}
