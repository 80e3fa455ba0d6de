package org.softprompt.notebook;

/**
 * Where outputs go: a running Jupyter kernel ({@link KernelFrontend}) or, outside any notebook, the console
 * ({@link ConsoleFrontend}).
 */
interface Frontend {
    /** True when outputs reach a notebook that can render HTML; false when only text is printed. */
    boolean rendersRichOutput();

    /** True when an output shown with a display id can later be replaced in place. */
    boolean supportsUpdates();

    /** Shows a new output; {@code displayId} may be null, or names the output for later {@link #update}s. */
    void display(MimeBundle bundle, String displayId);

    /** Replaces the output shown earlier with {@code displayId}; only called when {@link #supportsUpdates()}. */
    void update(MimeBundle bundle, String displayId);

    /** A short description for messages, e.g. "rapaio-jupyter-kernel" or "console". */
    String describe();
}
