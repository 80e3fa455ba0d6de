package org.softprompt.notebook;

import java.util.UUID;
import tech.tablesaw.plotly.components.Figure;

/**
 * The outputs of one kernel session (one JVM): where they go, and whether plotly.js has been sent to the page yet.
 * {@link Show} and {@link TrainingMonitor} use the session instance; tests build their own around a stand-in
 * front end.
 */
final class NotebookOutput {
    private static NotebookOutput session;

    private final Frontend frontend;
    private boolean plotlyDelivered;

    NotebookOutput(Frontend frontend) {
        this.frontend = frontend;
    }

    static synchronized NotebookOutput session() {
        if (session == null) {
            session = new NotebookOutput(Frontends.current());
        }
        return session;
    }

    /** Replaces the session (tests); null makes the next {@link #session()} start over. */
    static synchronized void replaceSession(NotebookOutput output) {
        session = output;
    }

    Frontend frontend() {
        return frontend;
    }

    void show(MimeBundle bundle) {
        frontend.display(bundle, null);
    }

    /** Shows {@code bundle} under a new display id and returns the id, for {@link #update}. */
    String showUpdatable(MimeBundle bundle) {
        String id = "softprompt-" + UUID.randomUUID();
        frontend.display(bundle, id);
        return id;
    }

    void update(String displayId, MimeBundle bundle) {
        frontend.update(bundle, displayId);
    }

    /**
     * Shows a Plotly figure. The first figure a notebook receives carries plotly.js (about 10.8 MB, once per kernel
     * session); later ones carry only their data.
     */
    synchronized void figure(Figure figure) {
        if (!frontend.rendersRichOutput()) {
            show(MimeBundle.text(FigureView.describe(figure, PlotlyJson.of(figure))));
            return;
        }
        String library = plotlyDelivered ? "" : PlotlyLibrary.scriptElement();
        frontend.display(FigureView.bundle(figure, library), null);
        plotlyDelivered = true;
    }

    /** Sends plotly.js to the page again, for when the output that carried it was cleared. */
    synchronized void plotlyLibrary() {
        String text = "plotly.js " + PlotlyLibrary.version();
        if (!frontend.rendersRichOutput()) {
            show(MimeBundle.text(text + " is only loaded in a notebook"));
            return;
        }
        frontend.display(MimeBundle.text(text + " loaded")
                .with(MimeBundle.HTML, PlotlyLibrary.scriptElement() + "<small>" + text + " loaded</small>"), null);
        plotlyDelivered = true;
    }

    synchronized boolean plotlyDelivered() {
        return plotlyDelivered;
    }
}
