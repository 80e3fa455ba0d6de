package org.softprompt.backbone.hub;

import java.io.IOException;

/**
 * A checkpoint could not be had from the Hugging Face hub or its cache. The message names the repository, the
 * file and the HTTP status where there is one, and says what to do; the parts are also kept as fields.
 */
public final class HubException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String repoId;
    private final String file;
    private final int httpStatus;

    HubException(String message, String repoId, String file, int httpStatus, Throwable cause) {
        super(message, cause);
        this.repoId = repoId;
        this.file = file;
        this.httpStatus = httpStatus;
    }

    HubException(String message, String repoId, String file, int httpStatus) {
        this(message, repoId, file, httpStatus, null);
    }

    /** The repository, e.g. {@code "google/vit-base-patch16-224-in21k"}. */
    public String repoId() {
        return repoId;
    }

    /** The file the failure concerns, or null when it concerns the repository as a whole. */
    public String file() {
        return file;
    }

    /** The hub's HTTP status, or 0 when no HTTP answer was involved. */
    public int httpStatus() {
        return httpStatus;
    }
}
