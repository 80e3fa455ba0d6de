package org.softprompt.backbone.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small pure pieces of the protocol: etags, URL quoting, origins, and the wording of refusals. */
class HubHttpTest {

    private static final HubSettings SETTINGS = new HubSettings(URI.create("https://huggingface.co"),
            Path.of("/tmp/unused"), null, false, Duration.ofSeconds(1), Duration.ofSeconds(1));
    private static final URI HUB = URI.create("https://huggingface.co/api/models/x/revision/main");

    @Test
    void etagsAreNormalizedAsHuggingFaceHubDoes() {
        String sha = "403450e234d65943a7dcf7e05a771ce3c92faa84dd07db4ac20f592037a1e4bd";
        assertEquals(sha, HubHttp.normalizeEtag("\"" + sha + "\""));
        assertEquals(sha, HubHttp.normalizeEtag("W/\"" + sha + "\""));
        assertEquals("7cb18dc9bafbfcf74629a4b760af1b160957a83e",
                HubHttp.normalizeEtag("\"7cb18dc9bafbfcf74629a4b760af1b160957a83e\""));
        assertNull(HubHttp.normalizeEtag(null));
        assertNull(HubHttp.normalizeEtag("\"../../etc/passwd\""), "an etag becomes a file name: nothing path-like");
    }

    @Test
    void urlPartsAreQuotedLikePythonsQuote() {
        assertEquals("refs%2Fpr%2F1", HubHttp.encode("refs/pr/1", false));
        assertEquals("onnx/model%20v2.json", HubHttp.encode("onnx/model v2.json", true));
        assertEquals("model-00001-of-00002.safetensors", HubHttp.encode("model-00001-of-00002.safetensors", true));
        assertEquals("%C3%A9t%C3%A9", HubHttp.encode("été", true));
    }

    @Test
    void theTokenOnlyGoesToTheEndpointsOrigin() {
        URI endpoint = URI.create("https://huggingface.co");
        assertTrue(HubHttp.sameOrigin(URI.create("https://huggingface.co:443/gpt2/resolve/main/x"), endpoint));
        assertFalse(HubHttp.sameOrigin(URI.create("https://cdn-lfs.huggingface.co/repos/x"), endpoint));
        assertFalse(HubHttp.sameOrigin(URI.create("http://huggingface.co/x"), endpoint));
        assertEquals("https://cdn.example/x?...", HubHttp.withoutQuery(URI.create("https://cdn.example/x?sig=secret")));
    }

    private static HttpHeaders headers(Map<String, List<String>> map) {
        return HttpHeaders.of(map, (name, value) -> true);
    }

    @Test
    void refusalsSayWhatToDo() {
        HubException gated = HubErrors.forStatus(403, headers(Map.of("X-Error-Code", List.of("GatedRepo"))), "",
                "meta-llama/Llama-2-7b", "config.json", "main", HUB, SETTINGS);
        assertTrue(gated.getMessage().contains("is gated") && gated.getMessage().contains("HF_TOKEN"),
                gated.getMessage());
        assertEquals(403, gated.httpStatus());

        HubException denied = HubErrors.forStatus(403, headers(Map.of()), "{\"error\": \"Access denied\"}",
                "org/secret", "config.json", "main", HUB, SETTINGS.withToken("hf_x"));
        assertTrue(denied.getMessage().contains("refused the token in HF_TOKEN for file 'config.json' of "
                + "'org/secret'"), denied.getMessage());
        assertTrue(denied.getMessage().endsWith("The hub said: Access denied"), denied.getMessage());

        HubException missingFile = HubErrors.forStatus(404, headers(Map.of("X-Error-Code", List.of("EntryNotFound"))),
                "", "gpt2", "model.safetensors", "main", HUB, SETTINGS);
        assertTrue(missingFile.getMessage().startsWith("File 'model.safetensors' was not found in repository 'gpt2'"),
                missingFile.getMessage());

        HubException server = HubErrors.forStatus(503, headers(Map.of()), "<html>busy</html>", "gpt2", null, "main",
                HUB, SETTINGS);
        assertEquals("The hub answered HTTP 503 for repository 'gpt2' (revision main, from https://huggingface.co)",
                server.getMessage(), "an HTML page adds nothing to the message");

        HubException cdn = HubErrors.forStatus(403, headers(Map.of()),
                "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                "gpt2", "model.safetensors", "main", URI.create("https://cdn-lfs.example.org/repos/ab/cd?X-Amz-Sig=s"),
                SETTINGS);
        assertTrue(cdn.getMessage().contains("from https://cdn-lfs.example.org/repos/ab/cd?..."), cdn.getMessage());
        assertTrue(cdn.getMessage().endsWith("The hub said: Request has expired"), cdn.getMessage());
    }
}
