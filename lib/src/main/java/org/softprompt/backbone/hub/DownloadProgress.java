package org.softprompt.backbone.hub;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Told how a download advances, on the thread that called {@link HuggingFaceHub.Snapshot#download()}, a few
 * times a second while bytes arrive and once more when a file is complete: that last call, and only it, has
 * {@code bytesDone == bytesTotal} (the size is known by then even if the hub did not send it).
 * Files served from the cache are not reported.
 */
@FunctionalInterface
public interface DownloadProgress {

    /**
     * @param repoId     the repository, e.g. {@code "gpt2"}
     * @param file       the file inside it, e.g. {@code "model.safetensors"}
     * @param bytesDone  bytes received so far
     * @param bytesTotal the file's size, or -1 when the hub did not say
     */
    void update(String repoId, String file, long bytesDone, long bytesTotal);

    /** Reports nothing. */
    DownloadProgress NONE = (repoId, file, bytesDone, bytesTotal) -> { };

    /**
     * Prints one line when a file starts, one per further tenth of a large file, and one when it is complete:
     * few enough lines for a notebook cell's output.
     */
    static DownloadProgress printingTo(PrintStream out) {
        return new DownloadProgress() {
            private String currentFile;
            private int printedTenths;

            @Override
            public void update(String repoId, String file, long bytesDone, long bytesTotal) {
                String key = repoId + "/" + file;
                if (!key.equals(currentFile)) {
                    currentFile = key;
                    printedTenths = 0;
                    out.printf(Locale.ROOT, "Downloading %s (%s) from the Hugging Face hub%n", key,
                            bytesTotal < 0 ? "size unknown" : megabytes(bytesTotal));
                }
                if (bytesDone == bytesTotal) {
                    out.printf(Locale.ROOT, "  %s: done (%s)%n", file, megabytes(bytesDone));
                } else if (bytesTotal > 0) {
                    int tenths = (int) (bytesDone * 10 / bytesTotal);
                    if (tenths > printedTenths) {
                        printedTenths = tenths;
                        out.printf(Locale.ROOT, "  %s: %d%% (%s)%n", file, tenths * 10, megabytes(bytesDone));
                    }
                }
            }
        };
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
