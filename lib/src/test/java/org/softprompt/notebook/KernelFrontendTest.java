package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The reflective adapter against stand-ins with the method shapes of the real kernels (checked with javap against
 * rapaio-jupyter-kernel 3.0.1 and read from the jupyter-jvm-basekernel sources used by IJava and JJava).
 */
class KernelFrontendTest {

    // ---- rapaio-jupyter-kernel 3.x shape -------------------------------------------------------------------------

    /** Like org.rapaio.jupyter.kernel.display.DisplayData: protected constructor, static factories. */
    public static class RapaioLikeDisplayData {
        final Map<String, Object> data = new LinkedHashMap<>();
        final Map<String, Object> transientData = new LinkedHashMap<>();

        protected RapaioLikeDisplayData() {}

        public static RapaioLikeDisplayData fromText(String text) {
            RapaioLikeDisplayData d = new RapaioLikeDisplayData();
            d.putData("text/plain", text);
            return d;
        }

        public static RapaioLikeDisplayData fromHtml(String html) {
            RapaioLikeDisplayData d = new RapaioLikeDisplayData();
            d.putData("text/html", html);
            return d;
        }

        public void putData(String mime, Object value) {
            data.put(mime, value);
        }

        /** Like rapaio's putData(MimeType, String). */
        public enum MimeType { TEXT, HTML }

        public void putData(MimeType type, String value) {
            throw new AssertionError("the (MimeType, String) overload must not be chosen");
        }

        public void setDisplayId(String id) {
            transientData.put("display_id", id);
        }
    }

    /** Like org.rapaio.jupyter.kernel.core.RapaioKernel. */
    public static class RapaioLikeKernel {
        final List<RapaioLikeDisplayData> displayed = new ArrayList<>();
        final List<RapaioLikeDisplayData> updated = new ArrayList<>();

        public void display(RapaioLikeDisplayData data) {
            displayed.add(data);
        }

        public void updateDisplay(RapaioLikeDisplayData data) {
            updated.add(data);
        }
    }

    /** Like org.rapaio.jupyter.kernel.MainApp: the running kernel in a public static field. */
    public static class RapaioLikeMainApp {
        public static RapaioLikeKernel kernel = new RapaioLikeKernel();
    }

    // ---- jupyter-jvm-basekernel shape (IJava, JJava) -------------------------------------------------------------

    public static class BaseKernelLikeDisplayData {
        final Map<String, Object> data = new LinkedHashMap<>();
        String displayId;

        public BaseKernelLikeDisplayData() {}

        public void putData(String mime, Object value) {
            data.put(mime, value);
        }

        public void setDisplayId(String id) {
            displayId = id;
        }
    }

    public static class BaseKernelLikeDisplayStream {
        final List<Object[]> updates = new ArrayList<>();

        public void display(BaseKernelLikeDisplayData data) {
            throw new AssertionError("the kernel's display(), not the stream's, is used");
        }

        public void updateDisplay(String id, BaseKernelLikeDisplayData data) {
            updates.add(new Object[] {id, data});
        }
    }

    public static class BaseKernelLikeIO {
        public final BaseKernelLikeDisplayStream display = new BaseKernelLikeDisplayStream();
    }

    public static class BaseKernelLike {
        final List<BaseKernelLikeDisplayData> displayed = new ArrayList<>();
        final BaseKernelLikeIO io = new BaseKernelLikeIO();

        public void display(BaseKernelLikeDisplayData data) {
            displayed.add(data);
        }

        public BaseKernelLikeIO getIO() {
            return io;
        }
    }

    /** Like io.github.spencerpark.ijava.IJava / org.dflib.jjava.JJava: a static getKernelInstance(). */
    public static class IJavaLike {
        static BaseKernelLike instance;

        public static BaseKernelLike getKernelInstance() {
            return instance;
        }
    }

    /** An old basekernel without updateDisplay. */
    public static class OldBaseKernelLike {
        final List<BaseKernelLikeDisplayData> displayed = new ArrayList<>();

        public void display(BaseKernelLikeDisplayData data) {
            displayed.add(data);
        }
    }

    private static Table table() {
        return Table.create("t", StringColumn.create("name", "<a>"), DoubleColumn.create("v", 0.1 + 0.2));
    }

    @Test
    void rapaioShapedKernelReceivesTheTableBundleAndUpdatesWithItsDisplayId() {
        RapaioLikeKernel kernel = new RapaioLikeKernel();
        KernelFrontend frontend = KernelFrontend.adapt("rapaio-like", kernel);
        assertTrue(frontend.supportsUpdates());

        MimeBundle bundle = new TableView(table(), 40).bundle();
        frontend.display(bundle, null);
        assertEquals(1, kernel.displayed.size());
        RapaioLikeDisplayData shown = kernel.displayed.get(0);
        assertEquals(List.of("text/plain", "text/html"), List.copyOf(shown.data.keySet()));
        assertEquals(bundle.text(), shown.data.get("text/plain"));
        assertTrue(((String) shown.data.get("text/html")).contains("&lt;a&gt;"));
        assertTrue(shown.transientData.isEmpty());

        frontend.display(MimeBundle.text("v1"), "id-1");
        frontend.update(MimeBundle.text("v2").with("text/html", "<b>v2</b>"), "id-1");
        assertEquals("id-1", kernel.displayed.get(1).transientData.get("display_id"));
        assertEquals(1, kernel.updated.size());
        assertEquals("id-1", kernel.updated.get(0).transientData.get("display_id"));
        assertEquals("<b>v2</b>", kernel.updated.get(0).data.get("text/html"));
    }

    @Test
    void baseKernelShapedKernelUpdatesThroughItsIoDisplayStream() {
        BaseKernelLike kernel = new BaseKernelLike();
        KernelFrontend frontend = KernelFrontend.adapt("ijava-like", kernel);
        assertTrue(frontend.supportsUpdates());

        Map<String, Object> json = Map.of("data", List.of(), "layout", Map.of());
        frontend.display(MimeBundle.text("t").with(MimeBundle.PLOTLY, json), "fig");
        BaseKernelLikeDisplayData shown = kernel.displayed.get(0);
        assertSame(json, shown.data.get(MimeBundle.PLOTLY), "JSON stays a map for the kernel's serializer");
        assertEquals("fig", shown.displayId);

        frontend.update(MimeBundle.text("t2"), "fig");
        Object[] update = kernel.io.display.updates.get(0);
        assertEquals("fig", update[0]);
        assertEquals("t2", ((BaseKernelLikeDisplayData) update[1]).data.get("text/plain"));
    }

    @Test
    void kernelWithoutUpdateDisplayStillDisplays() {
        OldBaseKernelLike kernel = new OldBaseKernelLike();
        KernelFrontend frontend = KernelFrontend.adapt("old", kernel);
        assertFalse(frontend.supportsUpdates());
        frontend.display(MimeBundle.text("x"), null);
        assertEquals("x", kernel.displayed.get(0).data.get("text/plain"));
        assertThrows(UnsupportedOperationException.class, () -> frontend.update(MimeBundle.text("y"), "id"));
    }

    @Test
    void objectWithoutDisplayMethodIsRejectedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelFrontend.adapt("odd", new Object()));
        assertTrue(e.getMessage().contains("display(DisplayData)"), e.getMessage());
    }

    @Test
    void locateFindsARunningKernelByClassNameThroughStaticFieldOrMethod() {
        List<ClassLoader> loaders = List.of(getClass().getClassLoader());
        Frontends.KernelLocation rapaio = new Frontends.KernelLocation("rapaio-like",
                RapaioLikeMainApp.class.getName(), "kernel");
        Frontends.KernelLocation ijava = new Frontends.KernelLocation("ijava-like",
                IJavaLike.class.getName(), "getKernelInstance");
        Frontends.KernelLocation absent = new Frontends.KernelLocation("absent", "no.such.Kernel", "kernel");

        // IJava-like class present but its kernel not running (null): skipped, rapaio-like found.
        IJavaLike.instance = null;
        Frontend found = Frontends.locate(List.of(absent, ijava, rapaio), loaders);
        assertInstanceOf(KernelFrontend.class, found);
        assertEquals("rapaio-like", found.describe());
        found.display(MimeBundle.text("hello"), null);
        assertEquals("hello", RapaioLikeMainApp.kernel.displayed.get(0).data.get("text/plain"));

        IJavaLike.instance = new BaseKernelLike();
        assertEquals("ijava-like", Frontends.locate(List.of(ijava, rapaio), loaders).describe());
        IJavaLike.instance = null;

        assertInstanceOf(ConsoleFrontend.class, Frontends.locate(List.of(absent), loaders));
    }

    @Test
    void outsideAnyKernelTheSessionPrintsText() {
        // The test JVM runs no kernel: the real lookup must end at the console.
        assertInstanceOf(ConsoleFrontend.class, Frontends.locate(Frontends.KNOWN_KERNELS,
                List.of(getClass().getClassLoader(), ClassLoader.getSystemClassLoader())));
    }
}
