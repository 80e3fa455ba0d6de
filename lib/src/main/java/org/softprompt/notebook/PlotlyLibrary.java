package org.softprompt.notebook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;

/**
 * plotly.js from the webjar {@code org.webjars.npm:plotly.js-dist} on the class path, wrapped as one HTML
 * {@code <script>} element that notebooks can inline: charts then draw without network access, in the live
 * notebook as well as in nbconvert's HTML export.
 *
 * <p>The classic Notebook and nbconvert's HTML pages load require.js. plotly.js's UMD header sees require.js's
 * {@code define} and registers an anonymous AMD module instead of setting {@code window.Plotly} (and require.js then
 * complains about the anonymous module), so the charts fail with "Plotly is not defined". The wrapper runs the
 * library inside a function in which {@code define}, {@code module} and {@code exports} are undefined local names,
 * which makes the UMD header fall through to {@code self.Plotly = ...}. If the page already has Plotly (another
 * output loaded it), the wrapper does nothing.
 */
final class PlotlyLibrary {
    private static final String WEBJAR = "META-INF/resources/webjars/plotly.js-dist/";
    private static final String POM_PROPERTIES = "META-INF/maven/org.webjars.npm/plotly.js-dist/pom.properties";

    private PlotlyLibrary() {}

    /** The version of the plotly.js webjar on the class path, e.g. "2.35.3". */
    static String version() {
        try (InputStream in = resource(POM_PROPERTIES)) {
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version");
            if (version == null || version.isBlank()) {
                throw new IllegalStateException(POM_PROPERTIES + " has no version");
            }
            return version.strip();
        } catch (IOException e) {
            throw new IllegalStateException("Could not read " + POM_PROPERTIES, e);
        }
    }

    /** The library's source, as published (unminified, about 10.8 MB for 2.35.3). */
    static String source() {
        String path = WEBJAR + version() + "/plotly.js";
        try (InputStream in = resource(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Could not read " + path, e);
        }
    }

    /** The require.js-safe {@code <script>} element that defines {@code window.Plotly} once per page. */
    static String scriptElement() {
        String source = source();
        String lower = source.toLowerCase(Locale.ROOT);
        // Either sequence would end or confuse the HTML parser's script state inside an inline <script>.
        if (lower.contains("</script") || lower.contains("<!--")) {
            throw new IllegalStateException("plotly.js " + version() + " contains '</script' or '<!--' and cannot be "
                    + "inlined into a <script> element as it is");
        }
        StringBuilder html = new StringBuilder(source.length() + 1024);
        html.append("<script type=\"text/javascript\">\n")
                .append("/* plotly.js ").append(version())
                .append(" (MIT), inlined once per kernel session by org.softprompt.notebook. */\n")
                .append("(function () {\n")
                .append("if (window.Plotly) { return; }\n")
                .append("/* Hide require.js and CommonJS so that the UMD header sets self.Plotly. */\n")
                .append("var define = undefined, module = undefined, exports = undefined;\n")
                .append(source)
                .append("\n}).call(window);\n</script>\n");
        return html.toString();
    }

    private static InputStream resource(String path) {
        ClassLoader loader = PlotlyLibrary.class.getClassLoader();
        InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(path) : loader.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("plotly.js is not on the class path (" + path + " not found): "
                    + "softprompt expects the jar org.webjars.npm:plotly.js-dist next to softprompt.jar");
        }
        return in;
    }
}
