package org.softprompt.backbone.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the hub's refusals into messages that say what went wrong and what to do. The hub names the kind of
 * refusal in an {@code X-Error-Code} header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and
 * explains it in {@code X-Error-Message} or a JSON {@code {"error": ...}} body; both are used when present.
 */
final class HubErrors {

    private static final Pattern XML_MESSAGE = Pattern.compile("<Message>([^<]{1,300})</Message>");
    private static final String TOKENS_PAGE = "https://huggingface.co/settings/tokens";

    private HubErrors() { }

    /**
     * @param uri the address that answered: the hub, or the CDN it redirected to (named in the message then)
     */
    static HubException forStatus(int status, HttpHeaders headers, String body, String repoId, String file,
            String revision, URI uri, HubSettings settings) {
        String code = headers.firstValue("X-Error-Code").orElse("");
        String what = file == null ? "repository '" + repoId + "'" : "file '" + file + "' of '" + repoId + "'";
        String source = HubHttp.sameOrigin(uri, settings.endpoint()) ? settings.endpoint().toString()
                : HubHttp.withoutQuery(uri);
        String at = " (revision " + revision + ", HTTP " + status + " from " + source + ")";
        boolean tokenSent = settings.token() != null;
        String message;
        if (code.equals("GatedRepo")) {
            message = "Repository '" + repoId + "' is gated" + at + ": accept its conditions on "
                    + settings.endpoint() + "/" + repoId + " while logged in, then set HF_TOKEN to a read token of "
                    + "that account (" + TOKENS_PAGE + ")" + (tokenSent ? "; the token sent was not granted access"
                    : "; no token was sent");
        } else if (code.equals("RepoNotFound") || status == 404 && file == null && !code.equals("RevisionNotFound")) {
            message = "Repository '" + repoId + "' was not found" + at + ". Check the id (e.g. 'gpt2', "
                    + "'google/vit-base-patch16-224-in21k')" + (tokenSent
                    ? "; if it is private, the token in HF_TOKEN has no access to it"
                    : "; if it is private, set HF_TOKEN to a read token (" + TOKENS_PAGE + ")");
        } else if (code.equals("RevisionNotFound")) {
            message = "Revision '" + revision + "' was not found in repository '" + repoId + "'" + at
                    + ": use a branch, a tag or a full commit hash that exists there";
        } else if (code.equals("EntryNotFound")) {
            message = "File '" + file + "' was not found in repository '" + repoId + "'" + at;
        } else if (status == 404) {
            message = "Not found: " + what + at + ". The repository, the revision or the file does not exist";
        } else if (status == 401 || status == 403) {
            message = (tokenSent ? "The hub refused the token in HF_TOKEN for " : "The hub requires a token for ")
                    + what + at + (tokenSent
                    ? ": the token is invalid or expired, or its account has no access to this repository"
                    : ": the repository is private or gated (or does not exist). Set HF_TOKEN to a read token ("
                            + TOKENS_PAGE + ")");
        } else if (status == 429) {
            message = "The hub is rate-limiting requests for " + what + at + "; wait a little and try again"
                    + (tokenSent ? "" : ", or set HF_TOKEN: signed-in users get higher limits");
        } else {
            message = "The hub answered HTTP " + status + " for " + what + " (revision " + revision + ", from "
                    + source + ")";
        }
        String explanation = explanation(headers, body);
        if (!explanation.isEmpty()) {
            message += ". The hub said: " + explanation;
        }
        return new HubException(message, repoId, file, status);
    }

    /** The hub's own words: {@code X-Error-Message}, else a JSON body's {@code error}, else a short plain body. */
    private static String explanation(HttpHeaders headers, String body) {
        String header = headers.firstValue("X-Error-Message").orElse("").strip();
        if (!header.isEmpty()) {
            return header;
        }
        String text = body == null ? "" : body.strip();
        if (text.startsWith("{")) {
            try {
                JsonElement error = JsonParser.parseString(text).getAsJsonObject().get("error");
                if (error != null && error.isJsonPrimitive()) {
                    return error.getAsString();
                }
            } catch (RuntimeException notJson) {
                // fall through to the plain text
            }
        }
        if (text.startsWith("<")) {
            // A CDN (S3) explains itself in XML; an HTML error page says nothing the status does not.
            Matcher xmlMessage = XML_MESSAGE.matcher(text);
            return xmlMessage.find() ? xmlMessage.group(1).strip() : "";
        }
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
