package org.softprompt.tokenize;

import java.io.IOException;
import java.nio.file.Path;

/** A tokenizer file that is missing or does not have the expected format; the message names the file. */
public final class TokenizerFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public TokenizerFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public TokenizerFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that could not be used. */
    public Path file() {
        return file;
    }
}
