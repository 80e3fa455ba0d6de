package org.softprompt.backbone.hub;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how {@link HuggingFaceHub} talks to the Hugging Face hub. {@link #fromEnvironment()} reads the same
 * variables as Python's huggingface_hub, so both share one cache and one login; tests and callers that want
 * other values build the record directly or use the {@code with...} copies.
 *
 * @param endpoint       the hub's base URL, without a trailing slash ({@code HF_ENDPOINT})
 * @param cacheDir       the hub cache root that holds {@code models--org--name/} ({@code HF_HUB_CACHE})
 * @param token          a user access token sent as {@code Authorization: Bearer}, or null ({@code HF_TOKEN})
 * @param offline        use only the cache, never the network ({@code HF_HUB_OFFLINE})
 * @param requestTimeout how long to wait for a connection and a response's headers ({@code HF_HUB_ETAG_TIMEOUT})
 * @param stallTimeout   how long a download may receive no bytes before it is abandoned
 *                       ({@code HF_HUB_DOWNLOAD_TIMEOUT})
 */
public record HubSettings(URI endpoint, Path cacheDir, String token, boolean offline, Duration requestTimeout,
        Duration stallTimeout) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** huggingface_hub's defaults for both timeouts are 10 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** huggingface_hub's notion of a true flag ({@code _is_true} in its constants module). */
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        checkEndpoint(endpoint);
        String text = endpoint.toString();
        if (text.endsWith("/")) {
            endpoint = URI.create(text.replaceAll("/+$", ""));
        }
        cacheDir = cacheDir.toAbsolutePath().normalize();
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (token != null) {
            token = token.strip();
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || stallTimeout.isNegative()
                || stallTimeout.isZero()) {
            throw new IllegalArgumentException("hub timeouts must be positive, got " + requestTimeout + " and "
                    + stallTimeout);
        }
    }

    /**
     * The settings of this process: {@link #fromEnvironment(Map, Path)} over {@link System#getenv()}; when no
     * {@code HF_TOKEN} is set, the token that {@code huggingface-cli login} stored ({@code HF_TOKEN_PATH}, else
     * {@code $HF_HOME/token}) is used if that file exists.
     */
    public static HubSettings fromEnvironment() {
        Map<String, String> env = System.getenv();
        Path home = Path.of(System.getProperty("user.home"));
        HubSettings settings = fromEnvironment(env, home);
        if (settings.token() == null) {
            Path tokenFile = storedTokenPath(env, home);
            if (Files.isRegularFile(tokenFile)) {
                try {
                    settings = settings.withToken(Files.readString(tokenFile, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read the Hugging Face token file " + tokenFile, e);
                }
            }
        }
        return settings;
    }

    /**
     * Settings from the given environment variables alone, with huggingface_hub's precedence:
     * <ul>
     *   <li>endpoint: {@code HF_ENDPOINT}, else {@value #DEFAULT_ENDPOINT};</li>
     *   <li>cache: {@code HF_HUB_CACHE}, else the legacy {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub},
     *       where {@code HF_HOME} defaults to {@code $XDG_CACHE_HOME/huggingface} and that to
     *       {@code ~/.cache/huggingface}; a leading {@code ~} means {@code userHome};</li>
     *   <li>token: {@code HF_TOKEN}, else the legacy {@code HUGGING_FACE_HUB_TOKEN};</li>
     *   <li>offline: {@code HF_HUB_OFFLINE}, else {@code TRANSFORMERS_OFFLINE}, true for 1/on/yes/true;</li>
     *   <li>timeouts in seconds: {@code HF_HUB_ETAG_TIMEOUT} and {@code HF_HUB_DOWNLOAD_TIMEOUT}, 10 by default.</li>
     * </ul>
     */
    public static HubSettings fromEnvironment(Map<String, String> env, Path userHome) {
        return new HubSettings(endpoint(env), cacheDir(env, userHome),
                firstValue(env, "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"),
                isTrue(firstValue(env, "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")),
                seconds(env, "HF_HUB_ETAG_TIMEOUT"), seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT"));
    }

    private static URI endpoint(Map<String, String> env) {
        String text = value(env, "HF_ENDPOINT");
        if (text == null) {
            return URI.create(DEFAULT_ENDPOINT);
        }
        try {
            URI endpoint = new URI(text);
            checkEndpoint(endpoint);
            return endpoint;
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("environment variable HF_ENDPOINT is '" + text
                    + "'; expected an http(s) URL such as " + DEFAULT_ENDPOINT, e);
        }
    }

    private static void checkEndpoint(URI endpoint) {
        String scheme = endpoint.getScheme();
        boolean web = "https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme);
        if (!web || endpoint.getHost() == null) {
            throw new IllegalArgumentException("hub endpoint must be an http(s) URL with a host, got '" + endpoint
                    + "'");
        }
    }

    /** The hub cache root that the given environment selects (see {@link #fromEnvironment(Map, Path)}). */
    public static Path cacheDir(Map<String, String> env, Path userHome) {
        String explicit = firstValue(env, "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE");
        if (explicit != null) {
            return expandHome(explicit, userHome);
        }
        return hfHome(env, userHome).resolve("hub");
    }

    private static Path hfHome(Map<String, String> env, Path userHome) {
        String hfHome = value(env, "HF_HOME");
        if (hfHome != null) {
            return expandHome(hfHome, userHome);
        }
        String xdgCache = value(env, "XDG_CACHE_HOME");
        Path cacheHome = xdgCache != null ? expandHome(xdgCache, userHome) : userHome.resolve(".cache");
        return cacheHome.resolve("huggingface");
    }

    private static Path storedTokenPath(Map<String, String> env, Path userHome) {
        String explicit = value(env, "HF_TOKEN_PATH");
        return explicit != null ? expandHome(explicit, userHome) : hfHome(env, userHome).resolve("token");
    }

    public HubSettings withEndpoint(URI newEndpoint) {
        return new HubSettings(newEndpoint, cacheDir, token, offline, requestTimeout, stallTimeout);
    }

    public HubSettings withCacheDir(Path newCacheDir) {
        return new HubSettings(endpoint, newCacheDir, token, offline, requestTimeout, stallTimeout);
    }

    public HubSettings withToken(String newToken) {
        return new HubSettings(endpoint, cacheDir, newToken, offline, requestTimeout, stallTimeout);
    }

    public HubSettings withOffline(boolean newOffline) {
        return new HubSettings(endpoint, cacheDir, token, newOffline, requestTimeout, stallTimeout);
    }

    public HubSettings withTimeouts(Duration newRequestTimeout, Duration newStallTimeout) {
        return new HubSettings(endpoint, cacheDir, token, offline, newRequestTimeout, newStallTimeout);
    }

    /** Never prints the token itself: settings end up in notebook outputs and logs. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token="
                + (token == null ? "none" : "set") + ", offline=" + offline + ", requestTimeout=" + requestTimeout
                + ", stallTimeout=" + stallTimeout + "]";
    }

    static boolean isTrue(String value) {
        return value != null && TRUE_VALUES.contains(value.strip().toUpperCase(Locale.ROOT));
    }

    private static Duration seconds(Map<String, String> env, String name) {
        String text = value(env, name);
        if (text == null) {
            return DEFAULT_TIMEOUT;
        }
        try {
            double seconds = Double.parseDouble(text);
            if (seconds > 0 && seconds < 1e9) {
                return Duration.ofMillis(Math.round(seconds * 1000));
            }
        } catch (NumberFormatException ignored) {
            // reported below with the variable's name
        }
        throw new IllegalArgumentException("environment variable " + name + " is '" + text
                + "'; expected a positive number of seconds");
    }

    private static Path expandHome(String path, Path userHome) {
        if (path.equals("~")) {
            return userHome;
        }
        if (path.startsWith("~/")) {
            return userHome.resolve(path.substring(2));
        }
        return Path.of(path);
    }

    private static String firstValue(Map<String, String> env, String name, String legacyName) {
        String value = value(env, name);
        return value != null ? value : value(env, legacyName);
    }

    /** An unset and an empty variable mean the same, as in huggingface_hub. */
    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }
}
