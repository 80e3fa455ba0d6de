package org.softprompt.notebook;

import java.util.ArrayList;
import java.util.List;

/** A notebook stand-in that keeps every display and update it receives. */
final class RecordingFrontend implements Frontend {
    record Output(String kind, MimeBundle bundle, String displayId) {}

    final List<Output> outputs = new ArrayList<>();
    private final boolean updates;

    RecordingFrontend(boolean updates) {
        this.updates = updates;
    }

    @Override
    public boolean rendersRichOutput() {
        return true;
    }

    @Override
    public boolean supportsUpdates() {
        return updates;
    }

    @Override
    public void display(MimeBundle bundle, String displayId) {
        outputs.add(new Output("display", bundle, displayId));
    }

    @Override
    public void update(MimeBundle bundle, String displayId) {
        if (!updates) {
            throw new AssertionError("update() called on a front end without updates");
        }
        outputs.add(new Output("update", bundle, displayId));
    }

    @Override
    public String describe() {
        return "recording";
    }

    List<Output> of(String kind) {
        return outputs.stream().filter(o -> o.kind().equals(kind)).toList();
    }
}
