package org.softprompt.backbone;

/**
 * A checkpoint that cannot be used as it is: a missing or malformed file, a pickled checkpoint, or tensors that do
 * not match the model (then {@link #report()} lists them by name).
 */
public class CheckpointException extends RuntimeException {
    private final transient LoadReport report;

    public CheckpointException(String message) {
        this(message, null);
    }

    public CheckpointException(String message, LoadReport report) {
        super(message);
        this.report = report;
    }

    /** The names that did not match, or null when the problem is not about tensor names. */
    public LoadReport report() {
        return report;
    }
}
