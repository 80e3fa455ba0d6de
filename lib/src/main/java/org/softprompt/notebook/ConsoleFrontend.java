package org.softprompt.notebook;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * Outside a notebook (plain Java, tests, scripts) outputs are printed as their {@code text/plain} form. The stream is
 * looked up on every call because kernels and test harnesses replace {@link System#out} while code runs.
 */
final class ConsoleFrontend implements Frontend {
    private final Supplier<PrintStream> out;

    ConsoleFrontend() {
        this(() -> System.out);
    }

    ConsoleFrontend(Supplier<PrintStream> out) {
        this.out = out;
    }

    @Override
    public boolean rendersRichOutput() {
        return false;
    }

    @Override
    public boolean supportsUpdates() {
        return false;
    }

    @Override
    public void display(MimeBundle bundle, String displayId) {
        PrintStream stream = out.get();
        stream.println(bundle.text());
        stream.flush();
    }

    @Override
    public void update(MimeBundle bundle, String displayId) {
        throw new UnsupportedOperationException("the console cannot replace earlier output");
    }

    @Override
    public String describe() {
        return "console";
    }
}
