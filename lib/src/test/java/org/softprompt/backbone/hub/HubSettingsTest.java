package org.softprompt.backbone.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment defaulting, checked against huggingface_hub's documented precedence. */
class HubSettingsTest {

    private static final Path HOME = Path.of("/home/ada");

    private static HubSettings from(Map<String, String> env) {
        return HubSettings.fromEnvironment(env, HOME);
    }

    @Test
    void anEmptyEnvironmentGivesHuggingFaceHubsDefaults() {
        HubSettings settings = from(Map.of());
        assertEquals(URI.create("https://huggingface.co"), settings.endpoint());
        assertEquals(Path.of("/home/ada/.cache/huggingface/hub"), settings.cacheDir());
        assertNull(settings.token());
        assertFalse(settings.offline());
        assertEquals(Duration.ofSeconds(10), settings.requestTimeout());
        assertEquals(Duration.ofSeconds(10), settings.stallTimeout());
    }

    @Test
    void theCacheFollowsHfHubCacheThenHfHomeThenXdgCacheHome() {
        assertEquals(Path.of("/data/hf/hub"), from(Map.of("HF_HOME", "/data/hf")).cacheDir());
        assertEquals(Path.of("/xdg/huggingface/hub"), from(Map.of("XDG_CACHE_HOME", "/xdg")).cacheDir());
        assertEquals(Path.of("/data/hf/hub"), from(Map.of("HF_HOME", "/data/hf", "XDG_CACHE_HOME", "/xdg"))
                .cacheDir());
        assertEquals(Path.of("/fast/cache"), from(Map.of("HF_HUB_CACHE", "/fast/cache", "HF_HOME", "/data/hf"))
                .cacheDir());
        assertEquals(Path.of("/legacy"), from(Map.of("HUGGINGFACE_HUB_CACHE", "/legacy", "HF_HOME", "/data/hf"))
                .cacheDir());
        assertEquals(Path.of("/fast/cache"), from(Map.of("HF_HUB_CACHE", "/fast/cache",
                "HUGGINGFACE_HUB_CACHE", "/legacy")).cacheDir());
        assertEquals(Path.of("/home/ada/hf/hub"), from(Map.of("HF_HOME", "~/hf")).cacheDir());
        assertEquals(Path.of("/home/ada/.cache/huggingface/hub"), from(Map.of("HF_HOME", "  ")).cacheDir(),
                "an empty variable counts as unset");
    }

    @Test
    void endpointTokenAndOfflineFlag() {
        HubSettings settings = from(Map.of("HF_ENDPOINT", "https://hf-mirror.example.org/", "HF_TOKEN", " hf_abc\n",
                "HF_HUB_OFFLINE", "1"));
        assertEquals(URI.create("https://hf-mirror.example.org"), settings.endpoint(), "trailing slash dropped");
        assertEquals("hf_abc", settings.token());
        assertTrue(settings.offline());
        assertEquals("hf_old", from(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_old")).token());
        assertEquals("hf_new", from(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_old", "HF_TOKEN", "hf_new")).token());
        assertFalse(settings.toString().contains("hf_abc"), "the token never appears in printed settings");
    }

    @Test
    void offlineAcceptsTheSameSpellingsAsHuggingFaceHub() {
        for (String yes : List.of("1", "true", "TRUE", "yes", "On")) {
            assertTrue(from(Map.of("HF_HUB_OFFLINE", yes)).offline(), yes);
        }
        for (String no : List.of("0", "false", "no", "off", "", "2")) {
            assertFalse(from(Map.of("HF_HUB_OFFLINE", no)).offline(), no);
        }
        assertTrue(from(Map.of("TRANSFORMERS_OFFLINE", "1")).offline(), "transformers' own flag also counts");
        assertFalse(from(Map.of("HF_HUB_OFFLINE", "0", "TRANSFORMERS_OFFLINE", "1")).offline(),
                "HF_HUB_OFFLINE, when set, decides");
    }

    @Test
    void timeoutsAreSecondsAndBadValuesNameTheirVariable() {
        HubSettings settings = from(Map.of("HF_HUB_ETAG_TIMEOUT", "2.5", "HF_HUB_DOWNLOAD_TIMEOUT", "60"));
        assertEquals(Duration.ofMillis(2500), settings.requestTimeout());
        assertEquals(Duration.ofSeconds(60), settings.stallTimeout());

        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
                () -> from(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "soon")));
        assertTrue(timeout.getMessage().contains("HF_HUB_DOWNLOAD_TIMEOUT") && timeout.getMessage().contains("soon"));
        IllegalArgumentException endpoint = assertThrows(IllegalArgumentException.class,
                () -> from(Map.of("HF_ENDPOINT", "huggingface.co")));
        assertTrue(endpoint.getMessage().contains("HF_ENDPOINT"), endpoint.getMessage());
        assertThrows(IllegalArgumentException.class, () -> from(Map.of("HF_ENDPOINT", "ftp://example.org")));
    }

    @Test
    void cacheFolderNamesMatchHuggingFaceHub() {
        assertEquals("models--gpt2", HubCache.folderName("gpt2"));
        assertEquals("models--google--vit-base-patch16-224-in21k",
                HubCache.folderName("google/vit-base-patch16-224-in21k"));
    }
}
