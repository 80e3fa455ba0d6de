package org.softprompt.notebook;

import java.util.Objects;
import java.util.regex.Pattern;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * Shows tables, charts, HTML and Markdown in whatever runs this code: a Jupyter notebook on the IJava, JJava or
 * rapaio kernel (found at run time; softprompt depends on none of them), or plain Java, where the text form is
 * printed. Notebooks call only these methods, never a kernel's own {@code display(...)}, whose signature differs
 * between kernels.
 *
 * <pre>{@code
 * Show.table(results);                        // HTML table, numbers rounded for reading
 * Show.figure(LinePlot.create("Loss", history, "step", "loss"));
 * Show.markdown("**Accuracy:** 91.2%");
 * }</pre>
 */
public final class Show {
    private static final Pattern SCRIPTS = Pattern.compile("(?is)<(script|style)\\b.*?</\\1\\s*>");
    private static final Pattern TAGS = Pattern.compile("(?s)<[^>]*>");

    private Show() {}

    /** A table with at most {@value TableView#DEFAULT_MAX_ROWS} rows shown (the first and the last ones). */
    public static void table(Table table) {
        table(table, TableView.DEFAULT_MAX_ROWS);
    }

    /** A table with at most {@code maxRows} rows shown (at least 2). */
    public static void table(Table table, int maxRows) {
        Objects.requireNonNull(table, "table");
        NotebookOutput.session().show(new TableView(table, maxRows).bundle());
    }

    /**
     * A Plotly chart built with tablesaw-jsplot. In a notebook the first chart of a kernel session also carries
     * plotly.js, so charts draw offline; outside a notebook a one-line description is printed.
     */
    public static void figure(Figure figure) {
        Objects.requireNonNull(figure, "figure");
        NotebookOutput.session().figure(figure);
    }

    /** An HTML fragment; outside a notebook its text content is printed. */
    public static void html(String html) {
        Objects.requireNonNull(html, "html");
        NotebookOutput.session().show(MimeBundle.text(textOf(html)).with(MimeBundle.HTML, html));
    }

    /** Markdown; outside a notebook it is printed as it is. */
    public static void markdown(String markdown) {
        Objects.requireNonNull(markdown, "markdown");
        NotebookOutput.session().show(MimeBundle.text(markdown).with(MimeBundle.MARKDOWN, markdown));
    }

    /** Any mime bundle, for output types not covered above. */
    public static void bundle(MimeBundle bundle) {
        Objects.requireNonNull(bundle, "bundle");
        NotebookOutput.session().show(bundle);
    }

    /**
     * Sends plotly.js to the notebook page again. Only needed when the output of this session's first chart (which
     * carries the library) was cleared and the page reloaded: waiting charts then draw.
     */
    public static void plotlyLibrary() {
        NotebookOutput.session().plotlyLibrary();
    }

    /** True when outputs reach a notebook (rich HTML output); false in plain Java. */
    public static boolean inNotebook() {
        return NotebookOutput.session().frontend().rendersRichOutput();
    }

    /** A readable plain-text fallback for an HTML fragment: scripts and tags removed, common entities decoded. */
    static String textOf(String html) {
        String text = SCRIPTS.matcher(html).replaceAll("");
        text = TAGS.matcher(text).replaceAll("");
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&nbsp;", " ").replace("&amp;", "&");
        return text.strip();
    }
}
