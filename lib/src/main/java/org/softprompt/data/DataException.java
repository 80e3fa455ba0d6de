package org.softprompt.data;

import java.nio.file.Path;

/**
 * A data set could not be read: a file is missing, a record lacks a field, or a data set turned out empty.
 * The message always names the file (and line or record where known) and what was expected there.
 */
public class DataException extends IllegalStateException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }

    static DataException missingFile(Path file, String expected) {
        return new DataException("Missing data file " + file + ": expected " + expected);
    }

    static DataException at(Path file, long line, String problem) {
        return new DataException(file + (line > 0 ? ":" + line : "") + ": " + problem);
    }

    static DataException empty(Path file, String expected) {
        return new DataException("Empty data set in " + file + ": expected " + expected);
    }
}
