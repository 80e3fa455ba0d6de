package org.softprompt.data;

import java.util.List;

/**
 * A train/dev/test split of one data set. {@code note} says where each part comes from (official split, or the
 * documented substitute with its seed); notebooks print it so that every result says what it was measured on.
 * A part may be empty where a setting has none (e.g. no dev set).
 */
public record Split<T>(List<T> train, List<T> dev, List<T> test, String note) {
    public Split {
        train = List.copyOf(train);
        dev = List.copyOf(dev);
        test = List.copyOf(test);
        if (note == null || note.isBlank()) {
            throw new IllegalArgumentException("A split needs a note saying where its parts come from");
        }
    }

    /** The one-line description notebooks print, e.g. "E2E has no train set here: ...". */
    public String splitNote() {
        return note;
    }

    @Override
    public String toString() {
        return "Split[train=" + train.size() + ", dev=" + dev.size() + ", test=" + test.size() + "] " + note;
    }
}
